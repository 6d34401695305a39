namespace SmolLM3.Engine.Tests.Hub;

public class HubErrorTests(HubFixture fixture) : HubTestBase(fixture), IClassFixture<HubFixture>
{
    [SkippableFact]
    public async Task SeveralMatchingGgufFilesAreListed()
    {
        Original("model-q8_0.gguf");
        var message = await FailAsync(Options(), $"{HubFixture.Gguf}:model");
        Assert.Contains("several", message);
        Assert.Contains("model-q4_k_m.gguf", message);
        Assert.Contains("model-q8_0.gguf", message);
    }

    [SkippableFact]
    public async Task NoMatchingGgufFileListsTheAvailableOnes()
    {
        Original("model-q8_0.gguf");
        var message = await FailAsync(Options(), $"{HubFixture.Gguf}:Q2_K");
        Assert.Contains("no .gguf file matching 'Q2_K'", message);
        Assert.Contains("model-q4_k_m.gguf, model-q8_0.gguf", message);
    }

    [SkippableFact]
    public async Task AGgufRepoAskedForAsAFolderSuggestsAQuantTag()
    {
        Original("model-q8_0.gguf");
        var message = await FailAsync(Options(), HubFixture.Gguf);
        Assert.Contains("lacks config.json", message);
        Assert.Contains(":QUANT", message);
    }

    [Fact]
    public async Task AMissingRepoIsNamed()
    {
        var message = await FailAsync(Options(), "org/missing");
        Assert.Contains("org/missing", message);
        Assert.Contains("not found", message);
    }

    [SkippableFact]
    public async Task AMissingRevisionIsNamed()
    {
        Original("hf");
        var message = await FailAsync(Options(), $"{HubFixture.Folder}@v9");
        Assert.Contains($"{HubFixture.Folder}@v9", message);
        Assert.Contains("revision not found", message);
    }

    [SkippableFact]
    public async Task UnauthorizedMentionsHfToken()
    {
        Original("hf");
        Hub.RequiredToken = "hf_secret";
        var message = await FailAsync(Options(), HubFixture.Folder);
        Assert.Contains("401", message);
        Assert.Contains("HF_TOKEN", message);
    }

    [SkippableFact]
    public async Task TheTokenIsSentAsABearerHeader()
    {
        Hub.RequiredToken = "hf_secret";
        var path = await ResolveAsync(Options(token: "hf_secret"), $"{HubFixture.Gguf}:Q8_0");
        AssertSameBytes(Original("model-q8_0.gguf"), path);
        Assert.All(Hub.Requests.Where(r => !r.Path.StartsWith("/cdn/")), r => Assert.Equal("Bearer hf_secret", r.Authorization));
    }

    [Fact]
    public async Task AnUnreachableHubFailsAfterRetries()
    {
        using var closed = new FakeHub();
        var endpoint = closed.Endpoint;
        closed.Dispose();
        var message = await FailAsync(Options(endpoint: endpoint), "org/anything");
        Assert.Contains("failed after 3 attempts", message);
        Assert.Contains("network error", message);
    }
}
