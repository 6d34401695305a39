using Grpc.Core;
using Grpc.Health.V1;
using SmolLM3.Contracts.V1;
using SmolLM3.Silo.Hosting;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>
/// SIGTERM on the only silo: readiness NOT_SERVING (liveness still SERVING) while it drains, a new turn UNAVAILABLE
/// (retryable: the silo takes no new turns), the running stream finishes whole, the silo logs the drain and exits 0.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloDrainTests : IDisposable
{
    const string Key = "silo-drain-key";
    const int LongReply = 1500;
    static readonly Metadata Auth = new() { { "x-api-key", Key } };
    ProcessCluster? _cluster;

    public void Dispose() => _cluster?.Dispose();

    [SkippableFact]
    public async Task ARunningStreamFinishesWhileTheSiloTurnsNewTurnsAway()
    {
        _cluster = new ProcessCluster(ProcessCluster.LocalhostClustering(), new() { ["SmolLM3__Storage__Provider"] = "memory" });
        var silo = await _cluster.StartSiloAsync(new Dictionary<string, string> { ["DOTNET_shutdownTimeoutSeconds"] = "60" });
        var gateway = await _cluster.StartGatewayAsync(new Dictionary<string, string> { [Key] = "tenant-s" });
        var idle = (await gateway.Chat.CreateSessionAsync(new CreateSessionRequest(), Auth)).SessionId;   // active on the silo, no turn yet
        var rest = await LongStream.StartAsync(gateway.Chat, Auth, LongReply);

        silo.Process.SignalTerminate();
        while (await silo.HealthAsync() == HealthCheckResponse.Types.ServingStatus.Serving) await Task.Delay(20);
        bool streamRanDuringDrain = !rest.IsCompleted;
        var liveWhileDraining = await silo.HealthAsync(SiloHealthServer.Liveness);
        var refused = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(gateway.Chat.StreamChat(
            ChatRequests.Greedy(idle, "Anyone there?", maxTokens: 4), Auth)));
        var turn = await rest;
        await silo.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(streamRanDuringDrain, "the stream ended before the drain began: the test proved nothing");
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveWhileDraining);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal((FinishReason.Length, LongReply), (turn.Finished.Reason, turn.Usage.CompletionTokens));
        Assert.Equal(0, silo.Process.ExitCode);
        Assert.Contains("Drained: every open turn finished", silo.Process.Output);
    }
}
