namespace SmolLM3.Engine.Tests.Hub;

public class OfflineTests(HubFixture fixture) : HubTestBase(fixture), IClassFixture<HubFixture>
{
    [SkippableFact]
    public async Task AWarmCacheResolvesWithTheHubStopped()
    {
        Original("hf");
        string folder, gguf;
        using (var hub = new FakeHub())
        {
            hub.AddRepo(HubFixture.Folder, Directory.GetFiles(Original("hf")).ToDictionary(f => Path.GetFileName(f), f => f));
            hub.AddRepo(HubFixture.Gguf, new Dictionary<string, string> { ["model-q8_0.gguf"] = Original("model-q8_0.gguf") });
            folder = await ResolveAsync(Options(endpoint: hub.Endpoint), HubFixture.Folder);
            gguf = await ResolveAsync(Options(endpoint: hub.Endpoint), $"{HubFixture.Gguf}:Q8_0");
        }
        Assert.Equal(folder, await ResolveAsync(Options(offline: true, endpoint: "http://127.0.0.1:9"), HubFixture.Folder));
        Assert.Equal(gguf, await ResolveAsync(Options(offline: true, endpoint: "http://127.0.0.1:9"), $"{HubFixture.Gguf}:q8_0"));
    }

    [SkippableFact]
    public async Task AnUnreachableHubFallsBackToACompleteCachedSnapshot()
    {
        var cached = await ResolveAsync($"{HubFixture.Gguf}:Q8_0");
        Assert.Equal(cached, await ResolveAsync(Options(endpoint: "http://127.0.0.1:9"), $"{HubFixture.Gguf}:Q8_0"));
        var message = await FailAsync(Options(endpoint: "http://127.0.0.1:9"), $"{HubFixture.Gguf}:Q4_K_M");
        Assert.Contains("network error", message);
    }

    [Fact]
    public async Task AColdCacheFailsSayingOfflineModeIsOn()
    {
        var message = await FailAsync(Options(offline: true), HubFixture.Folder);
        Assert.Contains("Offline mode is on (HF_HUB_OFFLINE)", message);
        Assert.Contains(HubFixture.Folder, message);
        Assert.Contains("refs/main", message);
        Assert.Empty(Hub.Requests);
    }

    [SkippableFact]
    public async Task AnIncompleteSnapshotNamesWhatIsMissing()
    {
        var folder = await ResolveAsync(HubFixture.Folder);
        File.Delete(Path.Combine(folder, "tokenizer.json"));
        var message = await FailAsync(Options(offline: true), HubFixture.Folder);
        Assert.Contains("Offline mode is on", message);
        Assert.Contains("tokenizer.json", message);
    }
}
