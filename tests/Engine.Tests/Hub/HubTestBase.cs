using SmolLM3.Engine.Hub;

namespace SmolLM3.Engine.Tests.Hub;

/// <summary>Per test: a clean hub (knobs reset) and an empty HF_HOME.</summary>
public abstract class HubTestBase : IDisposable
{
    protected HubTestBase(HubFixture fixture)
    {
        Hub = fixture.Hub;
        Hub.Reset();
    }

    protected FakeHub Hub { get; }

    protected TempFolder Home { get; } = new();

    protected string CacheDir => Path.Combine(Home.Root, "hub");

    protected HubOptions Options(bool offline = false, string? token = null, string? endpoint = null) => new()
    {
        HfHome = Home.Root,
        Endpoint = endpoint ?? Hub.Endpoint,
        Token = token,
        Offline = offline,
        MaxAttempts = 3,
        RetryDelay = TimeSpan.FromMilliseconds(10),
    };

    protected static async Task<string> ResolveAsync(HubOptions options, string reference, IProgress<DownloadProgress>? progress = null)
    {
        using var resolver = new ModelResolver(options);
        return await resolver.ResolveAsync(reference, progress);
    }

    protected Task<string> ResolveAsync(string reference) => ResolveAsync(Options(), reference);

    protected static async Task<string> FailAsync(HubOptions options, string reference) =>
        (await Assert.ThrowsAsync<HubException>(() => ResolveAsync(options, reference))).Message;

    /// <summary>The fixture's own copy of a repo file, for byte comparisons.</summary>
    protected static string Original(params string[] parts) => Fixtures.Require(["tiny-smollm3", .. parts]);

    protected static void AssertSameBytes(string expected, string actual) =>
        Assert.True(File.ReadAllBytes(expected).AsSpan().SequenceEqual(File.ReadAllBytes(actual)), $"{actual} differs from {expected}");

    public void Dispose()
    {
        Home.Dispose();
        GC.SuppressFinalize(this);
    }
}
