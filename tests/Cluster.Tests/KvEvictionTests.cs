using Grpc.Core;
using Xunit.Abstractions;
using SmolLM3.Contracts;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A pool of 384 positions: idle conversations give their blocks up for others and recompute on their next
/// turn with the same greedy output; concurrent replies that outgrow the pool are preempted and finish as
/// if run alone; a turn larger than the whole pool is RESOURCE_EXHAUSTED.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class KvEvictionTests(SmallPoolClusterFixture cluster, ITestOutputHelper output) : IClassFixture<SmallPoolClusterFixture>
{
    static ChatRequest Turn(string session, string text, int maxTokens = 8) => ChatRequests.Greedy(session, text, maxTokens);

    async Task<string> NewSessionAsync() => (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;

    Task<TurnResult> ChatAsync(string session, string text, int maxTokens = 8) =>
        TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, text, maxTokens), Auth(KeyA)));

    Task<KvCacheStats> StatsAsync() => cluster.Grains.GetGrain<IModelGrain>(cluster.Model.Info.Id).GetKvCacheStatsAsync().AsTask();

    int PromptTokens(string text) => cluster.Model.Tokenizer.Encode(cluster.Model.Renderer.Render([new TurnMessage("user", text)], thinking: false), parseSpecial: true).Count;

    [SkippableFact]
    public async Task An_evicted_conversation_recomputes_its_cache_and_replies_as_if_it_had_kept_it()
    {
        await cluster.StartAsync();
        Assert.Equal((SmallPoolClusterFixture.Blocks, SmallPoolClusterFixture.BlockTokens), ((await StatsAsync()).TotalBlocks, (await StatsAsync()).BlockTokens));

        // reference: two turns with the cache kept in between
        var kept = await NewSessionAsync();
        var keptFirst = await ChatAsync(kept, "Hello there!");
        var keptSecond = await ChatAsync(kept, "And again?");
        Assert.Equal(FollowUp.CachedTokens(keptFirst.Started.PromptTokens, keptFirst.Usage.CompletionTokens), keptSecond.Started.CachedTokens);
        await cluster.Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = kept }, Auth(KeyA));

        // the same first turn, then a long turn of another session that needs nearly the whole pool
        var evicted = await NewSessionAsync();
        var first = await ChatAsync(evicted, "Hello there!");
        Assert.Equal(keptFirst.Text, first.Text);
        var before = await StatsAsync();
        Assert.True(before.IdleBlocks > 0, "the finished turn's cache is idle");
        var words = "apple";
        while (PromptTokens(words) + 8 < SmallPoolClusterFixture.PoolTokens - SmallPoolClusterFixture.BlockTokens) words += " apple";
        var big = await ChatAsync(await NewSessionAsync(), words);
        Assert.Contains(big.Finished.Reason, new[] { Contracts.V1.FinishReason.Stop, Contracts.V1.FinishReason.Length });
        Assert.True((await StatsAsync()).Evictions > before.Evictions, "the long turn took the idle conversation's blocks");
        Assert.Equal(0, (await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = evicted }, Auth(KeyA))).CachedTokens);

        // its next turn prefills the whole transcript and says what the kept one said
        var second = await ChatAsync(evicted, "And again?");
        Assert.Equal(0, second.Started.CachedTokens);
        Assert.Equal(keptSecond.Started.PromptTokens, second.Started.PromptTokens);
        Assert.Equal(keptSecond.Text, second.Text);
        Assert.Equal(keptSecond.Usage.CompletionTokens, second.Usage.CompletionTokens);
    }

    [SkippableFact]
    public async Task Concurrent_replies_that_outgrow_the_pool_finish_as_if_each_ran_alone()
    {
        await cluster.StartAsync();
        // 2 × (about 75 prompt + 150 reply) positions > 384: both cannot stay cached to the end
        string[] texts = ["Tell me a long story", "Tell me a longer story"];
        var alone = new List<TurnResult>();
        foreach (var text in texts) alone.Add(await ChatAsync(await NewSessionAsync(), text, maxTokens: 150));
        var before = await StatsAsync();

        var sessions = await Task.WhenAll(texts.Select(_ => NewSessionAsync()));
        var together = await Task.WhenAll(texts.Select((text, i) => ChatAsync(sessions[i], text, maxTokens: 150)));

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(alone[i].Text, together[i].Text);
            Assert.Equal(alone[i].Usage.CompletionTokens, together[i].Usage.CompletionTokens);
        }
        var after = await StatsAsync();
        int needed = alone.Sum(r => (r.Started.PromptTokens + r.Usage.CompletionTokens + SmallPoolClusterFixture.BlockTokens - 1) / SmallPoolClusterFixture.BlockTokens);
        output.WriteLine($"blocks needed together: {needed} of {SmallPoolClusterFixture.Blocks}; preemptions {after.Preemptions - before.Preemptions}, evictions {after.Evictions - before.Evictions}");
        if (needed > SmallPoolClusterFixture.Blocks)
            Assert.True(after.Preemptions > before.Preemptions || after.Evictions > before.Evictions, $"{needed} blocks needed at once, yet nothing was preempted");
    }

    [SkippableFact]
    public async Task A_turn_larger_than_the_whole_pool_is_resource_exhausted_with_the_numbers()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();
        int prompt = PromptTokens("Hello there!"), maxTokens = SmallPoolClusterFixture.PoolTokens;

        var e = await Assert.ThrowsAsync<RpcException>(() => ChatAsync(session, "Hello there!", maxTokens));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        int needed = prompt + maxTokens;
        Assert.Contains($"{needed} tokens ({needed * SmallPoolClusterFixture.BytesPerToken} bytes)", e.Status.Detail);
        Assert.Contains($"{SmallPoolClusterFixture.PoolTokens} tokens ({SmallPoolClusterFixture.PoolTokens * SmallPoolClusterFixture.BytesPerToken} bytes)", e.Status.Detail);

        // nothing started: the session is as it was and a turn that fits still runs
        var info = await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA));
        Assert.Equal((0, 0), (info.MessageCount, info.CachedTokens));
        var ok = await ChatAsync(session, "Hello there!", maxTokens: SmallPoolClusterFixture.PoolTokens - prompt);
        Assert.Contains(ok.Finished.Reason, new[] { Contracts.V1.FinishReason.Stop, Contracts.V1.FinishReason.Length });
    }
}
