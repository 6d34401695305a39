using Grpc.Core;
using SmolLM3.Contracts;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>The KV pool on the shared cluster: a cancelled stream gives back every block it took.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KvPoolTests(ClusterFixture cluster)
{
    [SkippableFact]
    public async Task Cancelling_a_stream_mid_generation_returns_the_pool_to_its_baseline()
    {
        await cluster.StartAsync();
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        var baseline = await cluster.KvStatsAsync();
        var request = new ChatRequest
        {
            SessionId = session,
            Messages = { new ChatMessage { Role = "user", Content = "Talk forever" } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 60_000 },
        };
        using var cts = new CancellationTokenSource();
        using var call = cluster.Client.StreamChat(request, Auth(KeyA), cancellationToken: cts.Token);

        KvCacheStats? during = null;
        int deltas = 0;
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var ev in call.ResponseStream.ReadAllAsync())
                if (ev.EventCase == ChatEvent.EventOneofCase.Delta && ++deltas == 3)
                {
                    during = await cluster.KvStatsAsync();
                    cts.Cancel();
                }
        });
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.True(during!.UsedBlocks > baseline.UsedBlocks, $"the stream held {during.UsedBlocks} blocks, baseline {baseline.UsedBlocks}");

        var after = await cluster.KvSettledAsync(baseline);
        Assert.Equal((baseline.UsedBlocks, baseline.FreeBlocks, baseline.IdleBlocks), (after.UsedBlocks, after.FreeBlocks, after.IdleBlocks));
        Assert.Equal(0, cluster.Scheduler.Stats.ActiveSequences);
        var info = await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA));
        Assert.Equal((0, 0), (info.MessageCount, info.CachedTokens));
    }
}
