using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using SmolLM3.Contracts.V1;
using SmolLM3.Silo.Hosting;

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
    readonly List<ServerProcess> _processes = [];

    public void Dispose()
    {
        foreach (var p in _processes) p.Dispose();
        Directory.Delete(_data, recursive: true);
    }

    static Dictionary<string, string> ClusterEnvironment(string? redis) => redis is null
        ? new() { ["SmolLM3__Cluster__Provider"] = "localhost", ["SmolLM3__Cluster__GatewayPort"] = ClusterFixture.FreePort().ToString() }
        : new() { ["SmolLM3__Cluster__Provider"] = "redis", ["SmolLM3__Cluster__Redis"] = redis, ["SmolLM3__Cluster__ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8] };

    /// <summary>Starts a silo and waits until its health service says SERVING.</summary>
    async Task<ServerProcess> StartSiloAsync(Dictionary<string, string> cluster, Dictionary<string, string> storage)
    {
        int healthPort = ClusterFixture.FreePort();
        var env = new Dictionary<string, string>(cluster)
        {
            ["SmolLM3__Silo__ModelPath"] = Fixtures.Require("tiny-smollm3", "hf"),
            ["SmolLM3__Silo__ModelId"] = "tiny",
            ["SmolLM3__Silo__HealthPort"] = healthPort.ToString(),
            ["SmolLM3__Cluster__SiloPort"] = ClusterFixture.FreePort().ToString(),
            ["SmolLM3__Cluster__AdvertisedIP"] = "127.0.0.1",
        };
        if (!env.ContainsKey("SmolLM3__Cluster__GatewayPort")) env["SmolLM3__Cluster__GatewayPort"] = ClusterFixture.FreePort().ToString();
        foreach (var (k, v) in storage) env[k] = v;
        var silo = ServerProcess.Start("Silo", env);
        _processes.Add(silo);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{healthPort}");
        var health = new Health.HealthClient(channel);
        await WaitAsync(silo, async () =>
            (await health.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.Serving);
        var live = await health.CheckAsync(new HealthCheckRequest { Service = SiloHealthServer.Liveness });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, live.Status);
        return silo;
    }

    /// <summary>Starts the gateway and waits until a session can be created; returns a client and that session.</summary>
    async Task<(Chat.ChatClient Chat, string Session)> StartGatewayAsync(Dictionary<string, string> cluster)
    {
        int grpcPort = ClusterFixture.FreePort();
        var env = new Dictionary<string, string>(cluster)
        {
            ["SmolLM3__GrpcPort"] = grpcPort.ToString(),
            ["SmolLM3__HttpPort"] = ClusterFixture.FreePort().ToString(),
            [$"SmolLM3__ApiKeys__{Key}"] = "tenant-p",
            ["SmolLM3__Models__0"] = "tiny",
        };
        var gateway = ServerProcess.Start("Gateway", env);
        _processes.Add(gateway);
        var chat = new Chat.ChatClient(GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}"));
        string? session = null;
        await WaitAsync(gateway, async () =>
        {
            session = (await chat.CreateSessionAsync(new CreateSessionRequest(), Auth)).SessionId;
            return true;
        });
        return (chat, session!);
    }

    static readonly Metadata Auth = new() { { "x-api-key", Key } };

    static async Task<TurnResult> TurnAsync(Chat.ChatClient chat, string session, string text) =>
        await TurnResult.ReadAsync(chat.StreamChat(new ChatRequest
        {
            SessionId = session,
            Messages = { new ChatMessage { Role = "user", Content = text } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 6 },
        }, Auth));

    /// <summary>Polls <paramref name="ready"/> (errors count as not yet) for up to two minutes while the process runs.</summary>
    static async Task WaitAsync(ServerProcess process, Func<Task<bool>> ready)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            Assert.False(process.HasExited, "the process exited:\n" + process.Output);
            try { if (await ready()) return; }
            catch (RpcException) { }
            Assert.True(DateTime.UtcNow < deadline, "not ready within 2 minutes:\n" + process.Output);
            await Task.Delay(250);
        }
    }

    [SkippableFact]
    public async Task ASiloAndAGatewayWithLocalhostClusteringAndFolderStorageChat()
    {
        var cluster = ClusterEnvironment(redis: null);
        await StartSiloAsync(cluster, new() { ["SmolLM3__Storage__Provider"] = "folder", ["SmolLM3__Storage__Folder"] = _data });
        var (chat, session) = await StartGatewayAsync(cluster);

        var turn = await TurnAsync(chat, session, "Hello there");

        Assert.Equal("tiny", turn.Started.Model);
        Assert.True(turn.Usage.CompletionTokens > 0);
        Assert.NotEmpty(Directory.GetFiles(_data, "*.state", SearchOption.AllDirectories));   // the transcript went to the folder
    }

    [SkippableFact]
    public async Task WithRedisMembershipAndStorageASessionOutlivesItsSilo()
    {
        using var redis = await RedisServer.StartAsync();
        var cluster = ClusterEnvironment(redis.ConnectionString);
        var storage = new Dictionary<string, string> { ["SmolLM3__Storage__Provider"] = "redis", ["SmolLM3__Storage__ConnectionString"] = redis.ConnectionString };
        var first = await StartSiloAsync(cluster, storage);
        var (chat, session) = await StartGatewayAsync(cluster);
        var one = await TurnAsync(chat, session, "Hello there");   // the only silo holds the session
        await StartSiloAsync(cluster, storage);

        await first.TerminateAsync();
        // The next turn runs on the silo that joined later, from the transcript in Redis.
        var two = await TurnAsync(chat, session, "And again");

        Assert.Equal(0, two.Started.CachedTokens);
        Assert.True(two.Started.PromptTokens > one.Started.PromptTokens, $"{two.Started.PromptTokens} vs {one.Started.PromptTokens}");
        var info = await chat.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth);
        Assert.Equal(4, info.MessageCount);
    }
}
