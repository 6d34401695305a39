using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Hosting;
using SmolLM3.Contracts;
using SmolLM3.Contracts.V1;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// One embedded cluster (silo + gateway) on loopback ports for the "cluster" collection, started on first
/// use so tests can skip when fixtures are missing. Two unlimited tenants, a and b, and one tenant per
/// limit, each limit tight enough to hit in a test; a keys file that starts empty; and a configured model
/// no silo serves.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const string KeyA = "key-tenant-a", KeyB = "key-tenant-b";

    /// <summary>Keys of tenants with 2 requests/min, 10 tokens/min, 1 concurrent stream, a 100-token context, and 1 request/min (for HTTP).</summary>
    public const string KeyRpm = "key-rpm", KeyTpm = "key-tpm", KeyStreams = "key-streams", KeyContext = "key-context", KeyHttpRpm = "key-http-rpm";

    public const int ContextAllowance = 100;

    /// <summary>
    /// Longest a test waits on the cluster for one thing (an HTTP response's headers, the next event of a stream): what
    /// does not come by then fails the test with a message instead of holding the run forever. (HttpClient's default.)
    /// </summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(100);

    /// <summary>Longest a gRPC call of <see cref="Client"/> may take, start to end, unless it sets its own deadline.</summary>
    public static readonly TimeSpan CallDeadline = TimeSpan.FromMinutes(5);

    /// <summary>A model id the gateway is configured with but no silo serves.</summary>
    public const string GhostModel = "ghost-model";

    readonly string _keysFolder = Directory.CreateTempSubdirectory("smollm3-keys-").FullName;

    /// <summary>The API keys file the gateway watches (starts as <c>{}</c>).</summary>
    public string KeysFile => Path.Combine(_keysFolder, "api-keys.json");

    readonly SemaphoreSlim _gate = new(1, 1);
    WebApplication? _app;
    GrpcChannel? _channel;

    public Chat.ChatClient Client { get; private set; } = null!;
    /// <summary>A client of the OpenAI-compatible HTTP endpoint (no key set; tests add their own).</summary>
    public HttpClient Http { get; private set; } = null!;
    public GrpcChannel Channel => _channel!;
    public BatchScheduler Scheduler => _app!.Services.GetRequiredService<BatchScheduler>();
    public ModelHost Model => _app!.Services.GetRequiredService<ModelHost>();
    public IServiceProvider Services => _app!.Services;
    public IGrainFactory Grains => _app!.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Settings beyond the defaults (a subclass may shrink the KV pool, say).</summary>
    protected virtual EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) => options;

    /// <summary>Starts the cluster once (skipping the test without fixtures).</summary>
    public async Task StartAsync()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        await _gate.WaitAsync();
        try
        {
            if (_app is not null) return;
            File.WriteAllText(KeysFile, "{}");
            var app = EmbeddedCluster.Build(Customize(new EmbeddedClusterOptions(model)
            {
                GrpcPort = 0,
                HttpPort = 0,
                SiloPort = 0,
                OrleansGatewayPort = 0,
                DType = "f32",   // pool sizes (SmallPoolClusterFixture) are counted in F32 positions on every machine
                ApiKeys = new Dictionary<string, string> { [KeyA] = "tenant-a", [KeyB] = "tenant-b" },
                // A turn's cached tokens are its own conversation's here; shared prompt starts have their own fixture.
                ConfigureSilo = silo => silo.KvPrefixSharing = false,
                // The keys a deployment uses: SmolLM3:ApiKeys, :ApiKeysFile, :Tenants:NAME:…, :Models.
                Configuration = new Dictionary<string, string?>
                {
                    ["SmolLM3:ApiKeysFile"] = KeysFile,
                    ["SmolLM3:Models:0"] = GhostModel,
                    [$"SmolLM3:ApiKeys:{KeyRpm}"] = "tenant-rpm",
                    [$"SmolLM3:ApiKeys:{KeyTpm}"] = "tenant-tpm",
                    [$"SmolLM3:ApiKeys:{KeyStreams}"] = "tenant-streams",
                    [$"SmolLM3:ApiKeys:{KeyContext}"] = "tenant-context",
                    [$"SmolLM3:ApiKeys:{KeyHttpRpm}"] = "tenant-http-rpm",
                    ["SmolLM3:Tenants:tenant-rpm:RequestsPerMinute"] = "2",
                    ["SmolLM3:Tenants:tenant-tpm:TokensPerMinute"] = "10",
                    ["SmolLM3:Tenants:tenant-streams:ConcurrentStreams"] = "1",
                    ["SmolLM3:Tenants:tenant-context:MaxContextTokens"] = $"{ContextAllowance}",
                    ["SmolLM3:Tenants:tenant-http-rpm:RequestsPerMinute"] = "1",
                },
            }));
            await app.StartAsync();
            _app = app;
            _channel = GrpcChannel.ForAddress(app.Address());
            Client = new Chat.ChatClient(_channel.Intercept(new DefaultDeadline(CallDeadline)));
            // A response disposed before its end closes the connection at once (by default the client would read on
            // for up to 2 s to reuse it), so a stream a test drops is dropped for the server too.
            Http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = new Uri(app.HttpAddress()), Timeout = Patience };
        }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// <paramref name="step"/> given a token cancelled after <see cref="Patience"/>; if that cancels it, the test fails
    /// naming <paramref name="what"/> it waited for and what the silo's scheduler held then.
    /// </summary>
    public async Task<T> WithinPatienceAsync<T>(Func<CancellationToken, Task<T>> step, string what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try { return await step(timeout.Token); }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var stats = Scheduler.Stats;
            throw new TimeoutException($"{what} did not come within {Patience.TotalSeconds} s; the silo had {stats.ActiveSequences} sequences running and {stats.QueuedSequences} waiting");
        }
    }

    /// <summary>The KV pool's counters, as the model grain reports them.</summary>
    public Task<KvCacheStats> KvStatsAsync() => Grains.GetGrain<IModelGrain>(Model.Info.Id).GetKvCacheStatsAsync().AsTask();

    /// <summary>The KV pool's counters once no sequence runs and its used blocks are back to <paramref name="baseline"/>'s (at most 30 s).</summary>
    public async Task<KvCacheStats> KvSettledAsync(KvCacheStats baseline)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var after = await KvStatsAsync();
        while ((after.UsedBlocks != baseline.UsedBlocks || Scheduler.Stats.ActiveSequences > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            after = await KvStatsAsync();
        }
        return after;
    }

    /// <summary>The Prometheus text the gateway serves at /metrics on its gRPC (HTTP/2) port.</summary>
    public async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient { DefaultRequestVersion = new Version(2, 0), DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        return await http.GetStringAsync(new Uri(new Uri(_app!.Address()), "/metrics"));
    }

    /// <summary>Call headers authenticating with <paramref name="key"/>, both ways the gateway accepts.</summary>
    public static Metadata Auth(string key) =>
        key == KeyB ? new Metadata { { "x-api-key", key } } : new Metadata { { "authorization", $"Bearer {key}" } };

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        _channel?.Dispose();
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_keysFolder, recursive: true);
    }
}
