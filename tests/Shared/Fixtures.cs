namespace SmolLM3.Testing;

/// <summary>
/// Locates ../shared/fixtures (or SMOLLM3_FIXTURES). Tests that need it call <see cref="Require"/>,
/// which skips them with a reason where the fixtures are absent (a user's clone; in CI it fails, see <see cref="Prerequisite"/>).
/// </summary>
public static class Fixtures
{
    public static string? Root { get; } = Find();

    static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("SMOLLM3_FIXTURES");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        // Walk up from the test binary to the repository, whose sibling is shared/.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "fixtures");
            if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        }
        return null;
    }

    /// <summary>Full path of a fixture file or folder; skips the calling test when fixtures are missing.</summary>
    public static string Require(params string[] parts)
    {
        Prerequisite.Need(Root is not null, "fixtures not found: set SMOLLM3_FIXTURES or place shared/fixtures beside the repository");
        var path = Path.Combine([Root!, .. parts]);
        Assert.True(File.Exists(path) || Directory.Exists(path), $"fixture missing: {path}");
        return path;
    }
}
