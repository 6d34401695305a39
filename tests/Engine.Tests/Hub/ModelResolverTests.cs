using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Hub;

public class ModelResolverTests(HubFixture fixture) : HubTestBase(fixture), IClassFixture<HubFixture>
{
    [SkippableFact]
    public async Task FolderRepoBecomesASnapshotOfSymlinkedBlobs()
    {
        Original("hf");
        var path = await ResolveAsync(HubFixture.Folder);

        var commit = FakeHub.CommitOf(HubFixture.Folder);
        var repoDir = Path.Combine(CacheDir, "models--org--tiny-smollm3");
        Assert.Equal(Path.Combine(repoDir, "snapshots", commit), path);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(repoDir, "refs", "main")));
        foreach (var name in new[] { "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors" })
        {
            var file = Path.Combine(path, name);
            AssertSameBytes(Original("hf", name), file);
            var target = new FileInfo(file).LinkTarget;
            Assert.NotNull(target);
            Assert.StartsWith("../../blobs/", target);
        }
        // LFS blobs are named by sha256, as huggingface_hub names them.
        var sha = Hub.Sha256Of(Original("hf", "model.safetensors"));
        Assert.True(File.Exists(Path.Combine(repoDir, "blobs", sha)));
        Assert.Empty(Directory.GetFiles(Path.Combine(repoDir, "blobs"), "*.incomplete"));
        Assert.Equal(64, HfConfigReader.Read(Path.Combine(path, "config.json")).HiddenSize);
    }

    [SkippableFact]
    public async Task QuantTagPicksOneGgufFileCaseInsensitively()
    {
        var path = await ResolveAsync($"{HubFixture.Gguf}:q8_0");
        Assert.EndsWith(Path.Combine("snapshots", FakeHub.CommitOf(HubFixture.Gguf), "model-q8_0.gguf"), path);
        AssertSameBytes(Original("model-q8_0.gguf"), path);
    }

    [SkippableFact]
    public async Task ShardedRepoFetchesEveryShardTheIndexNamesAndTheChatTemplate()
    {
        Original("hf");
        var path = await ResolveAsync(HubFixture.Sharded);
        foreach (var name in new[] { "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "chat_template.jinja" })
            Assert.True(File.Exists(Path.Combine(path, name)), name);
        Assert.False(File.Exists(Path.Combine(path, "model.safetensors")));
    }

    [SkippableFact]
    public async Task RevisionPinnedToACommitWritesNoRef()
    {
        var commit = FakeHub.CommitOf(HubFixture.Gguf);
        var path = await ResolveAsync($"{HubFixture.Gguf}:Q4_K_M@{commit}");
        AssertSameBytes(Original("model-q4_k_m.gguf"), path);
        Assert.False(Directory.Exists(Path.Combine(CacheDir, "models--org--tiny-gguf", "refs")));
    }

    [SkippableFact]
    public async Task AWarmCacheOnlyAsksForTheListing()
    {
        await ResolveAsync(HubFixture.Folder);
        Hub.Requests.Clear();
        await ResolveAsync(HubFixture.Folder);
        Assert.All(Hub.Requests, r => Assert.StartsWith("/api/models/", r.Path));
    }

    [SkippableFact]
    public async Task ProgressReachesTheTotalOfEachFile()
    {
        var reports = new List<SmolLM3.Engine.Hub.DownloadProgress>();
        await ResolveAsync(Options(), $"{HubFixture.Gguf}:Q8_0", new SyncProgress<SmolLM3.Engine.Hub.DownloadProgress>(reports.Add));
        var last = reports[^1];
        Assert.Equal("model-q8_0.gguf", last.File);
        Assert.Equal(new FileInfo(Original("model-q8_0.gguf")).Length, last.BytesDone);
        Assert.Equal(last.BytesDone, last.Total);
    }

    [Fact]
    public async Task LocalPathsAreReturnedAsIs()
    {
        Assert.Equal(Home.Root, await ResolveAsync(Options(offline: true), Home.Root));
        var file = Home.Write("x.gguf", [1, 2, 3]);
        Assert.Equal(file, await ResolveAsync(Options(offline: true), file));
    }

    [Fact]
    public async Task NeitherPathNorIdIsAnError()
    {
        var message = await FailAsync(Options(), "./no/such/model/here");
        Assert.Contains("neither an existing path nor a model id", message);
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, racing the assertions).</summary>
sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
