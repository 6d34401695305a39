using Grpc.Core;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>
/// Real processes (redis-server, two silos, a gateway): SIGTERM on the silo holding a 4,000-token conversation moves
/// it with its KV, and the next turn runs on the other silo from cache.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DrainMoveProcessTests : IDisposable
{
    const string Key = "drain-move-key";
    static readonly Metadata Auth = new() { { "x-api-key", Key } };
    static readonly Dictionary<string, string> SiloSettings = new() { ["DOTNET_shutdownTimeoutSeconds"] = "60" };
    ProcessCluster? _cluster;

    public void Dispose() => _cluster?.Dispose();

    [SkippableFact]
    public async Task A_silo_drained_with_SIGTERM_hands_its_conversation_and_kv_to_the_other()
    {
        using var redis = await RedisServer.StartAsync();
        _cluster = new ProcessCluster(ProcessCluster.RedisClustering(redis.ConnectionString), ProcessCluster.RedisStorage(redis.ConnectionString));
        var silos = await Task.WhenAll(_cluster.StartSiloAsync(SiloSettings), _cluster.StartSiloAsync(SiloSettings));
        var gateway = await _cluster.StartGatewayAsync(new Dictionary<string, string> { [Key] = "tenant-m" });
        var session = (await gateway.Chat.CreateSessionAsync(new CreateSessionRequest(), Auth)).SessionId;
        var long1 = string.Join(' ', Enumerable.Range(0, 2600).Select(i => $"entry{i % 23}"));
        var first = await TurnResult.ReadAsync(gateway.Chat.StreamChat(ChatRequests.Greedy(session, long1, 4), Auth));
        Assert.True(first.Started.PromptTokens >= 4000, $"the first prompt has {first.Started.PromptTokens} tokens");
        var drained = silos.Single(s => s.Served(first.Started.Silo));
        var survivor = silos.Single(s => s != drained);

        drained.Process.SignalTerminate();
        await drained.Process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        var second = await TurnResult.ReadAsync(gateway.Chat.StreamChat(ChatRequests.Greedy(session, "Which entry came last?", 4), Auth));

        Assert.Equal(0, drained.Process.ExitCode);
        Assert.Contains("Drain: moved 1 of 1 conversations", drained.Process.Output);
        Assert.True(survivor.Served(second.Started.Silo), $"the second turn ran on {second.Started.Silo}");
        Assert.True(second.Started.CachedTokens >= 4000, $"{second.Started.CachedTokens} of {second.Started.PromptTokens} cached");
    }
}
