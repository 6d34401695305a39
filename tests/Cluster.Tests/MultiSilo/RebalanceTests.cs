using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Benchmarking;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>A silo whose KV pool passes its high-water mark moves idle conversations, with their KV, to a silo with room.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RebalanceTests
{
    const long SmallPool = 2560 * 512, LargePool = 16384 * 512;   // tiny-smollm3 in F32 takes 512 bytes a position

    static TurnMessage User(string text) => new("user", text);

    /// <summary>A user message whose prompt takes about <paramref name="tokens"/> tokens.</summary>
    static string Words(ModelHost host, string topic, int tokens) => FillerText.ForTokens(topic, tokens,
        text => host.Tokenizer.Encode(host.Renderer.Render([User(text)], thinking: false), parseSpecial: true).Count);

    [SkippableFact]
    public async Task Idle_conversations_leave_a_silo_past_its_high_water_mark_for_one_with_room_and_keep_their_kv()
    {
        Fixtures.Require("tiny-smollm3", "hf");
        int configured = 0;
        await using var cluster = await MultiSiloCluster.StartWithPoolsAsync(2, (_, silo) =>
        {
            (silo.DType, silo.KvDType) = ("f32", "f32");
            silo.KvCacheBytes = Interlocked.Increment(ref configured) == 1 ? SmallPool : LargePool;
            (silo.KvRebalanceHighWater, silo.KvRebalanceLowWater) = (0.9, 0.75);
        });
        var full = cluster.Silos.Single(s => s.ServiceProvider.GetRequiredService<ModelHost>().KvPool.TotalBytes <= SmallPool);
        var roomy = cluster.Silos.Single(s => s != full);
        var host = full.ServiceProvider.GetRequiredService<ModelHost>();
        double Used() => (double)host.KvPool.Stats.UsedBlocks / host.KvPool.Stats.TotalBlocks;

        var sessions = new List<(IConversationGrain Grain, string Text, GrainTurn Turn)>();
        foreach (var topic in new[] { "amber", "basalt", "cobalt" })
        {
            var grain = await cluster.CreateSessionOnAsync(full);
            var text = Words(host, topic, 780);   // three of them hold over 90 % of the 2,560 positions
            sessions.Add((grain, text, await GrainTurn.RunAsync(grain, User(text))));
        }

        Assert.Equal(0L, host.KvPool.Stats.Evictions);   // room was made by moving, not by evicting

        List<(IConversationGrain Grain, string Text, GrainTurn Turn)> moved;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); ; await Task.Delay(100))
        {
            moved = sessions.Where(s => roomy.SiloAddress.Equals(cluster.HostOf(s.Grain))).ToList();
            if (Used() < 0.75 && moved.Count > 0) break;
            Assert.True(DateTime.UtcNow < deadline, $"20 s later the pool is {Used():P0} full and {moved.Count} conversations moved");
        }
        Assert.Equal(0L, host.KvPool.Stats.Evictions);
        Assert.True(moved.Count < sessions.Count, "every conversation moved: the low-water mark was ignored");

        var (grainMoved, _, first) = moved[0];
        var next = await GrainTurn.RunAsync(grainMoved, User("Which word came first?"));
        Assert.Equal(roomy.SiloAddress, cluster.HostOf(grainMoved));
        Assert.True(next.CachedTokens >= first.PromptTokens / 16 * 16, $"{next.CachedTokens} cached after the move, first prompt {first.PromptTokens}");
    }
}
