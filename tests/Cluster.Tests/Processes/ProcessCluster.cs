using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using SmolLM3.Contracts.V1;
using SmolLM3.Silo.Hosting;
using SmolLM3.Hosting;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>
/// Silo and gateway processes of one cluster, from the built binaries, configured only through environment
/// variables and listening on free loopback ports. Every process it started is killed on dispose.
/// </summary>
public sealed class ProcessCluster(Dictionary<string, string> cluster, Dictionary<string, string> storage) : IDisposable
{
    public const string Model = "tiny";

    readonly List<ServerProcess> _processes = [];

    public static Dictionary<string, string> LocalhostClustering() =>
        new() { ["SmolLM3__Cluster__Provider"] = "localhost", ["SmolLM3__Cluster__GatewayPort"] = FreePort.OnLoopback().ToString() };

    public static Dictionary<string, string> RedisClustering(string redis) => new()
    {
        ["SmolLM3__Cluster__Provider"] = "redis", ["SmolLM3__Cluster__Redis"] = redis,
        ["SmolLM3__Cluster__ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
    };

    public static Dictionary<string, string> RedisStorage(string redis) =>
        new() { ["SmolLM3__Storage__Provider"] = "redis", ["SmolLM3__Storage__ConnectionString"] = redis };

    /// <summary>The cluster's settings, for an Orleans client of the test's own.</summary>
    public IReadOnlyDictionary<string, string> Cluster => cluster;

    /// <summary>Starts a silo serving the tiny model and waits until its health service says SERVING.</summary>
    public async Task<SiloProcess> StartSiloAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        int healthPort = FreePort.OnLoopback(), siloPort = FreePort.OnLoopback();
        var env = new Dictionary<string, string>(cluster)
        {
            ["SmolLM3__Silo__ModelPath"] = Fixtures.Require("tiny-smollm3", "hf"),
            ["SmolLM3__Silo__ModelId"] = Model,
            ["SmolLM3__Silo__HealthPort"] = healthPort.ToString(),
            ["SmolLM3__Cluster__SiloPort"] = siloPort.ToString(),
            ["SmolLM3__Cluster__AdvertisedIP"] = "127.0.0.1",
        };
        if (!env.ContainsKey("SmolLM3__Cluster__GatewayPort")) env["SmolLM3__Cluster__GatewayPort"] = FreePort.OnLoopback().ToString();
        foreach (var (k, v) in storage) env[k] = v;
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;
        var process = Track(ServerProcess.Start("Silo", env));
        var silo = new SiloProcess(process, siloPort, GrpcChannel.ForAddress($"http://127.0.0.1:{healthPort}"));
        await WaitAsync(process, async () => await silo.HealthAsync() == HealthCheckResponse.Types.ServingStatus.Serving);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await silo.HealthAsync(SiloHealthServer.Liveness));
        return silo;
    }

    /// <summary>Starts the gateway with <paramref name="apiKeys"/> (key → tenant) and waits until it lists the model.</summary>
    public async Task<GatewayProcess> StartGatewayAsync(IReadOnlyDictionary<string, string> apiKeys, IReadOnlyDictionary<string, string>? settings = null)
    {
        int grpcPort = FreePort.OnLoopback();
        var env = new Dictionary<string, string>(cluster) { ["SmolLM3__GrpcPort"] = grpcPort.ToString(), ["SmolLM3__HttpPort"] = FreePort.OnLoopback().ToString(), ["SmolLM3__Models__0"] = Model };
        foreach (var (key, tenant) in apiKeys) env[$"SmolLM3__ApiKeys__{key}"] = tenant;
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) env[k] = v;
        var process = Track(ServerProcess.Start("Gateway", env));
        var gateway = new GatewayProcess(process, GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}"));
        var auth = new Metadata { { "x-api-key", apiKeys.Keys.First() } };
        await WaitAsync(process, async () => (await gateway.Chat.ListModelsAsync(new ListModelsRequest(), auth)).Models.Count > 0);
        return gateway;
    }

    ServerProcess Track(ServerProcess process)
    {
        lock (_processes) _processes.Add(process);
        return process;
    }

    /// <summary>Polls <paramref name="ready"/> (errors count as not yet) for up to two minutes while the process runs.</summary>
    public static async Task WaitAsync(ServerProcess process, Func<Task<bool>> ready)
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

    /// <summary>Each process's unhandled failures (with the lines after them), for a failing test's output.</summary>
    public IEnumerable<string> Errors()
    {
        lock (_processes)
            foreach (var p in _processes)
            {
                var lines = p.Output.Split('\n');
                var hits = lines.Select((l, i) => (l, i)).Where(x => x.l.Contains("Unhandled failure") || x.l.Contains("Unhandled exception")).Take(2).ToList();
                foreach (var (_, i) in hits) yield return $"{p.Name}: " + string.Join("\n", lines.Skip(i).Take(8));
            }
    }

    public void Dispose()
    {
        lock (_processes) foreach (var p in _processes) p.Dispose();
    }
}
