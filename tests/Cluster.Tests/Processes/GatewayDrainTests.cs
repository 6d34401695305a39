using Grpc.Core;
using Grpc.Health.V1;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Contracts.V1;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>SIGTERM on the gateway process: health NOT_SERVING and new calls UNAVAILABLE while it drains, a running stream finishes, exit 0.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayDrainTests : IDisposable
{
    const string Key = "drain-key";
    const int LongReply = 1500;
    static readonly Metadata Auth = new() { { "x-api-key", Key } };
    ProcessCluster? _cluster;

    public void Dispose() => _cluster?.Dispose();

    [SkippableFact]
    public async Task ARunningStreamFinishesWhileNewCallsAreTurnedAway()
    {
        _cluster = new ProcessCluster(ProcessCluster.LocalhostClustering(), new() { ["SmolLM3__Storage__Provider"] = "memory" });
        await _cluster.StartSiloAsync();
        var gateway = await _cluster.StartGatewayAsync(new Dictionary<string, string> { [Key] = "tenant-d" },
            new Dictionary<string, string> { ["SmolLM3__DrainDelay"] = "00:00:02", ["DOTNET_shutdownTimeoutSeconds"] = "60" });
        var rest = await LongStream.StartAsync(gateway.Chat, Auth, LongReply);

        gateway.Process.SignalTerminate();
        while (await gateway.HealthAsync() == HealthCheckResponse.Types.ServingStatus.Serving) await Task.Delay(20);
        bool streamRanDuringDrain = !rest.IsCompleted;
        var liveWhileDraining = await gateway.HealthAsync(GatewayHostingExtensions.Liveness);   // a liveness probe must not kill it now
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await gateway.Chat.CreateSessionAsync(new CreateSessionRequest(), Auth));
        var turn = await rest;
        await gateway.Process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(streamRanDuringDrain, "the stream ended before the drain began: the test proved nothing");
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveWhileDraining);
        Assert.Equal((FinishReason.Length, LongReply), (turn.Finished.Reason, turn.Usage.CompletionTokens));
        Assert.Equal(0, gateway.Process.ExitCode);
    }
}
