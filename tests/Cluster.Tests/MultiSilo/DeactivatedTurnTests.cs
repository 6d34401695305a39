using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>
/// A conversation's activation that ends while a reply streams (Orleans deactivating it: duplicate activations after
/// a silo's loss, memory pressure, an operator) does not wait for a reader that cannot reach it: the caller learns
/// within seconds that the stream is gone (the gateway answers UNAVAILABLE), nothing is recorded, the KV goes back
/// to the pool, and the next call runs on a new activation.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DeactivatedTurnTests
{
    [SkippableFact]
    public async Task A_turn_whose_activation_ends_ends_promptly_records_nothing_and_gives_its_KV_back()
    {
        await using var cluster = await MultiSiloCluster.StartAsync(1);
        var pool = cluster.Silos[0].ServiceProvider.GetRequiredService<ModelHost>().KvPool;
        var session = await cluster.CreateSessionAsync();
        var request = new ChatTurnRequest([new TurnMessage("user", "Tell me a long story.")],
            new TurnSampling { Temperature = 1, Seed = 3, MaxTokens = 3000 }, Thinking: false);

        int chunks = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ended = await Assert.ThrowsAsync<EnumerationAbortedException>(async () =>
        {
            await foreach (var chunk in session.ChatAsync(request))
                if (++chunks == 3) await session.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        });
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the reader waited {clock.Elapsed} (the response timeout is 30 s)");
        Assert.Contains("does not have a record of this enumerator", ended.Message);

        Assert.Equal(0, (await session.DescribeAsync())!.MessageCount);   // the next activation: nothing recorded
        for (var deadline = DateTime.UtcNow.AddSeconds(20); pool.Stats.FreeBlocks != pool.Stats.TotalBlocks; await Task.Delay(50))
            Assert.True(DateTime.UtcNow < deadline, $"{pool.Stats.TotalBlocks - pool.Stats.FreeBlocks} KV blocks still held after the activation ended");

        await GrainTurn.RunAsync(session, new TurnMessage("user", "A short one, then."));
        Assert.Equal(2, (await session.DescribeAsync())!.MessageCount);
    }
}
