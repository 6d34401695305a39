using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>
/// A turn too large for its silo's whole KV pool but not for another's moves the conversation there (with its KV)
/// instead of failing with RESOURCE_EXHAUSTED; the caller's next call (as the gateway makes it) runs the turn there.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FitMoveTests
{
    const long SmallPool = 1024 * 512, LargePool = 8192 * 512;   // tiny-smollm3 in F32 takes 512 bytes a position

    static TurnMessage User(string text) => new("user", text);

    static async Task<(GrainTurn Turn, bool Moved)> TurnFollowingMovesAsync(IConversationGrain grain, string text)
    {
        bool moved = false;
        var request = new ChatTurnRequest([User(text)], new TurnSampling { Temperature = 0, MaxTokens = 6 }, Thinking: false);
        ChatChunk? started = null;
        var reply = "";
        await foreach (var chunk in MovedTurns.FollowAsync(ct => Track(grain.ChatAsync(request, ct))))
        {
            if (chunk.Kind == ChatChunkKind.Started) started = chunk;
            if (chunk.Kind == ChatChunkKind.Delta) reply += chunk.Text;
        }
        Assert.NotNull(started);
        return (new GrainTurn(started.PromptTokens, started.CachedTokens, reply, TurnFinish.Length), moved);

        async IAsyncEnumerable<ChatChunk> Track(IAsyncEnumerable<ChatChunk> chunks)
        {
            var e = chunks.GetAsyncEnumerator();
            try
            {
                while (true)
                {
                    try { if (!await e.MoveNextAsync()) yield break; }
                    catch (ConversationMovedException) { moved = true; throw; }
                    yield return e.Current;
                }
            }
            finally { await e.DisposeAsync(); }
        }
    }

    [SkippableFact]
    public async Task A_turn_too_large_for_its_silos_pool_moves_the_conversation_to_a_silo_whose_pool_holds_it()
    {
        Fixtures.Require("tiny-smollm3", "hf");
        int configured = 0;
        await using var cluster = await MultiSiloCluster.StartWithPoolsAsync(2, (_, silo) =>
        {
            (silo.DType, silo.KvDType) = ("f32", "f32");
            silo.KvCacheBytes = Interlocked.Increment(ref configured) == 1 ? SmallPool : LargePool;
        });
        var small = cluster.Silos.Single(s => s.ServiceProvider.GetRequiredService<ModelHost>().KvPool.TotalBytes <= SmallPool);
        var large = cluster.Silos.Single(s => s != small);
        var session = await cluster.CreateSessionOnAsync(small);
        Assert.Equal(small.SiloAddress, cluster.HostOf(session));
        var first = await GrainTurn.RunAsync(session, User("Remember the harbor."));

        var host = small.ServiceProvider.GetRequiredService<ModelHost>();
        var words = string.Join(' ', Enumerable.Range(0, 700).Select(i => $"tide{i % 13}"));
        Assert.True(host.Tokenizer.Encode(words).Count > 1100, "the second turn must not fit the small pool");
        var (second, moved) = await TurnFollowingMovesAsync(session, words);

        Assert.True(moved, "the small silo answered the turn itself");
        Assert.Equal(large.SiloAddress, cluster.HostOf(session));
        Assert.True(second.CachedTokens >= first.PromptTokens / 16 * 16, $"{second.CachedTokens} cached after the move, first prompt {first.PromptTokens}");
        Assert.Equal(4, (await session.DescribeAsync())!.MessageCount);

        // a turn larger than every pool still fails with the numbers
        var huge = string.Join(' ', Enumerable.Range(0, 6000).Select(i => $"reef{i % 11}"));
        await Assert.ThrowsAsync<KvCapacityExceededException>(() => TurnFollowingMovesAsync(session, huge));
    }
}
