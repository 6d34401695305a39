using Grpc.Core;
using SmolLM3.Contracts.V1;
using SmolLM3.Hosting;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>
/// The real binaries as separate processes, configured only through environment variables: silos with gRPC
/// health, a gateway with its own Orleans client, and one chat over gRPC through them.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StandAloneProcessTests : IDisposable
{
    const string Key = "process-key";
    readonly string _data = Directory.CreateTempSubdirectory("smollm3-processes-").FullName;
    ProcessCluster? _cluster;

    public void Dispose()
    {
        _cluster?.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    static readonly Metadata Auth = new() { { "x-api-key", Key } };
    static readonly Dictionary<string, string> Keys = new() { [Key] = "tenant-p" };

    static async Task<string> CreateSessionAsync(Chat.ChatClient chat) => (await chat.CreateSessionAsync(new CreateSessionRequest(), Auth)).SessionId;

    static async Task<TurnResult> TurnAsync(Chat.ChatClient chat, string session, string text) =>
        await TurnResult.ReadAsync(chat.StreamChat(new ChatRequest
        {
            SessionId = session,
            Messages = { new ChatMessage { Role = "user", Content = text } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 6 },
        }, Auth));

    [SkippableFact]
    public async Task ASiloAndAGatewayWithLocalhostClusteringAndFolderStorageChat()
    {
        _cluster = new ProcessCluster(ProcessCluster.LocalhostClustering(), new() { ["SmolLM3__Storage__Provider"] = "folder", ["SmolLM3__Storage__Folder"] = _data });
        int metricsPort = FreePort.OnLoopback();
        var silo = await _cluster.StartSiloAsync(new Dictionary<string, string> { ["SmolLM3__Silo__MetricsPort"] = metricsPort.ToString() });
        var chat = (await _cluster.StartGatewayAsync(Keys)).Chat;

        var turn = await TurnAsync(chat, await CreateSessionAsync(chat), "Hello there");
        using var http = new HttpClient();
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");   // the silo's own scrape endpoint
        Assert.Contains("smollm3_time_to_first_token_seconds_bucket", metrics);
        Assert.Contains("smollm3_tokens_generated", metrics);

        Assert.Equal(ProcessCluster.Model, turn.Started.Model);
        Assert.True(silo.Served(turn.Started.Silo), turn.Started.Silo);
        Assert.True(turn.Usage.CompletionTokens > 0);
        Assert.NotEmpty(Directory.GetFiles(_data, "*.state", SearchOption.AllDirectories));   // the transcript went to the folder
    }

    [SkippableFact]
    public async Task WithRedisMembershipAndStorageASessionOutlivesItsSilo()
    {
        using var redis = await RedisServer.StartAsync();
        _cluster = new ProcessCluster(ProcessCluster.RedisClustering(redis.ConnectionString), ProcessCluster.RedisStorage(redis.ConnectionString));
        // Without prefix sharing no KV blocks move with a drained conversation (DrainMoveProcessTests covers that),
        // so what the second silo has is the transcript alone, whether or not the first knew it when it drained.
        var transcriptOnly = new Dictionary<string, string> { ["SmolLM3__Silo__KvPrefixSharing"] = "false" };
        var first = await _cluster.StartSiloAsync(transcriptOnly);
        var chat = (await _cluster.StartGatewayAsync(Keys)).Chat;
        var session = await CreateSessionAsync(chat);
        var one = await TurnAsync(chat, session, "Hello there");   // the only silo holds the session
        var second = await _cluster.StartSiloAsync(transcriptOnly);

        await first.Process.TerminateAsync();
        // The next turn runs on the silo that joined later, from the transcript in Redis. Until the gateway's client
        // has seen the first silo leave, a turn may end UNAVAILABLE ("retry the call"): retried as a client would.
        var two = await new RetryingSession("tenant-p", Auth, session)
            .TurnAsync(chat, "And again", maxTokens: 6, new System.Collections.Concurrent.ConcurrentDictionary<string, int>(), _ => { });

        Assert.Equal(0, first.Process.ExitCode);
        Assert.True(second.Served(two.Started.Silo), two.Started.Silo);
        Assert.Equal(0, two.Started.CachedTokens);
        Assert.True(two.Started.PromptTokens > one.Started.PromptTokens, $"{two.Started.PromptTokens} vs {one.Started.PromptTokens}");
        var info = await chat.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth);
        Assert.Equal(4, info.MessageCount);
    }
}
