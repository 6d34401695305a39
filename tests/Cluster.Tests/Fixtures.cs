namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Finds shared/fixtures (SMOLLM3_FIXTURES, or beside the repository); <see cref="Require"/> skips the
/// calling test where they are absent.
/// </summary>
public static class Fixtures
{
    public static string? Root { get; } = Locate();

    static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("SMOLLM3_FIXTURES") is { Length: > 0 } configured)
            return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "..", "shared", "fixtures"))) dir = dir.Parent;
        return dir is null ? null : Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "fixtures"));
    }

    /// <summary>Path of a fixture; skips the test when fixtures are missing.</summary>
    public static string Require(params string[] parts)
    {
        Skip.If(Root is null, "fixtures not found: set SMOLLM3_FIXTURES or place shared/fixtures beside the repository");
        var path = Path.Combine([Root!, .. parts]);
        Assert.True(File.Exists(path) || Directory.Exists(path), $"fixture missing: {path}");
        return path;
    }
}
