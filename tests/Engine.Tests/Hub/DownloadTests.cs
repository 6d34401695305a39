namespace SmolLM3.Engine.Tests.Hub;

public class DownloadTests(HubFixture fixture) : HubTestBase(fixture), IClassFixture<HubFixture>
{
    [SkippableFact]
    public async Task ADroppedConnectionResumesWithARangeRequest()
    {
        Hub.DropAfter[$"{HubFixture.Gguf}/model-q8_0.gguf"] = 3_000_000;
        var path = await ResolveAsync($"{HubFixture.Gguf}:Q8_0");

        AssertSameBytes(Original("model-q8_0.gguf"), path);
        var ranges = Hub.Requests.Where(r => r.Path.StartsWith("/cdn/") && r.Range is not null).Select(r => r.Range).ToList();
        var range = Assert.Single(ranges);
        Assert.Matches(@"^bytes=[1-9]\d*-$", range);
    }

    [SkippableFact]
    public async Task AShaMismatchFailsAndLeavesNoBlob()
    {
        Original("model-q8_0.gguf");
        Hub.LieAboutSha[$"{HubFixture.Gguf}/model-q8_0.gguf"] = true;
        var message = await FailAsync(Options(), $"{HubFixture.Gguf}:Q8_0");

        Assert.Contains("sha256 mismatch", message);
        Assert.Contains("model-q8_0.gguf", message);
        var blobs = Path.Combine(CacheDir, "models--org--tiny-gguf", "blobs");
        Assert.Empty(Directory.Exists(blobs) ? Directory.GetFiles(blobs) : []);
    }

    [SkippableFact]
    public async Task ALeftoverIncompleteBlobIsResumed()
    {
        var original = Original("model-q8_0.gguf");
        var sha = Hub.Sha256Of(original);
        var blobs = Directory.CreateDirectory(Path.Combine(CacheDir, "models--org--tiny-gguf", "blobs")).FullName;
        File.WriteAllBytes(Path.Combine(blobs, sha + ".incomplete"), File.ReadAllBytes(original)[..1000]);

        var path = await ResolveAsync($"{HubFixture.Gguf}:Q8_0");
        AssertSameBytes(original, path);
        Assert.Contains(Hub.Requests, r => r.Range == "bytes=1000-");
    }

    [SkippableFact]
    public async Task ConcurrentResolvesDownloadEachBlobOnce()
    {
        var paths = await Task.WhenAll(ResolveAsync($"{HubFixture.Gguf}:Q8_0"), ResolveAsync($"{HubFixture.Gguf}:Q8_0"));

        Assert.Equal(paths[0], paths[1]);
        Assert.NotNull(new FileInfo(paths[0]).LinkTarget);
        AssertSameBytes(Original("model-q8_0.gguf"), paths[0]);
        Assert.Single(Hub.Requests, r => r.Method == "GET" && r.Path.StartsWith("/cdn/"));
        Assert.True(File.Exists(Path.Combine(CacheDir, ".locks", "models--org--tiny-gguf", Hub.Sha256Of(Original("model-q8_0.gguf")) + ".lock")));
    }
}
