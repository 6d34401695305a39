using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// Prefix sharing in the paged KV pool: full blocks addressed by content, attached read-only by later caches with the
/// same start, reference-counted, kept after their last reader until the pool needs them (least recently released
/// first), and confirmed by token ids and parent block rather than trusted on their address.
/// </summary>
public class KvPrefixSharingTests
{
    static readonly ModelConfig Shape = KvBlockPoolTests.Shape;   // where no model runs

    /// <summary>A sharing pool of <paramref name="blocks"/> blocks of 4 positions.</summary>
    static KvBlockPool Pool(int blocks, KvBlockHasher? hash = null)
    {
        var pool = new KvBlockPool(Shape, KvFormat.F32, torch.CPU, blockTokens: 4, totalBlocks: blocks);
        pool.SharePrefixes("test-model", hash ?? KvBlockHash.Chain);
        return pool;
    }

    /// <summary>Counts <paramref name="ids"/> as fed (no model: the positions' values do not matter here).</summary>
    static KvCache Fed(KvBlockPool pool, params int[] ids)
    {
        var cache = pool.NewCache();
        Feed(cache, ids);
        return cache;
    }

    static void Feed(KvCache cache, params int[] ids)
    {
        Assert.True(cache.TryReserve(ids.Length));
        cache.Advance(ids);
    }

    static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

    [SkippableFact]
    public void Two_caches_with_a_common_40_token_prefix_share_two_blocks_and_the_second_computes_what_it_would_alone()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var pool = new KvBlockPool(lm.Config, KvFormat.F32, torch.CPU, blockTokens: 16, totalBlocks: 64);
        pool.SharePrefixes("tiny-smollm3");
        int[] common = Range(100, 40), a = [.. common, 1, 2, 3], b = [.. common, 7, 8, 9, 10, 11];
        using var first = pool.NewCache();
        lm.Forward([new SequenceChunk(first, a)]).Dispose();

        using var second = pool.NewCache();
        Assert.Equal(32, second.AttachPrefix(b.AsSpan(0, b.Length - 1)));   // two whole blocks of the 40 in common
        Assert.Equal(first.Blocks.Take(2), second.Blocks);
        var stats = pool.Stats;
        Assert.Equal((2, 44L, 32L), (stats.SharedBlocks, stats.PrefixQueriedTokens, stats.PrefixHitTokens));   // the first's third block is not full: not shared

        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, b)]);
        using var got = lm.Forward([new SequenceChunk(second, b[32..])]);
        AssertSame(want, got, "the second cache's tail");
        Assert.Equal(3, first.BlockCount);
        Assert.Equal(2 + 1 + 1, pool.Stats.UsedBlocks);   // the shared two, and a partial third block each

        // the first reads its blocks as it wrote them: the second's writes went to its own blocks
        using var firstAlone = lm.NewCache();
        lm.Forward([new SequenceChunk(firstAlone, a)]).Dispose();
        using var wantNext = lm.Forward([new SequenceChunk(firstAlone, [42])]);
        using var gotNext = lm.Forward([new SequenceChunk(first, [42])]);
        AssertSame(wantNext, gotNext, "the first cache after the second ran");
    }

    [SkippableTheory]
    [InlineData("f32")]
    [InlineData("bf16")]
    [InlineData("q8_0")]
    public void A_cache_that_copies_the_start_of_a_block_computes_what_it_would_alone_and_leaves_the_source_as_it_was(string type)
    {
        var format = KvFormat.Parse(type);
        using var lm = TinyModels.Load("tiny-smollm3/hf", format);
        using var pool = new KvBlockPool(lm.Config, format, torch.CPU, blockTokens: 16, totalBlocks: 64);
        pool.SharePrefixes("tiny-smollm3");
        int[] common = Range(100, 40), a = [.. common, .. Range(1, 10)], b = [.. common, 1, 2, 7, 8, 9];
        using var first = pool.NewCache();
        lm.Forward([new SequenceChunk(first, a)]).Dispose();   // three full blocks, the third ending 1..8

        using var second = pool.NewCache();
        Assert.Equal(42, second.AttachPrefix(b.AsSpan(0, b.Length - 1)));   // two whole blocks, ten positions of the third
        Assert.Equal(first.Blocks.Take(2), second.Blocks.Take(2));
        Assert.NotEqual(first.Blocks[2], second.Blocks[2]);

        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, b)]);
        using var got = lm.Forward([new SequenceChunk(second, b[42..])]);
        AssertSame(want, got, "the tail after the copied positions");

        using var firstAlone = lm.NewCache();
        lm.Forward([new SequenceChunk(firstAlone, a)]).Dispose();
        using var wantNext = lm.Forward([new SequenceChunk(firstAlone, [42])]);
        using var gotNext = lm.Forward([new SequenceChunk(first, [42])]);
        AssertSame(wantNext, gotNext, "the source cache after the copy was written past");
    }

    static void AssertSame(torch.Tensor want, torch.Tensor got, string what) =>
        Assert.True(got.allclose(want, rtol: 1e-5, atol: 1e-5), $"{what}: max diff {(got - want).abs().max().item<float>()}");

    [Fact]
    public void References_drop_as_readers_leave_and_the_last_one_leaves_the_blocks_cached_for_the_next()
    {
        using var pool = Pool(8);
        var writer = Fed(pool, Range(1, 10));                       // two full blocks and a partial one
        var reader = pool.NewCache();
        Assert.Equal(8, reader.AttachPrefix(Range(1, 9)));
        Assert.Equal((2, 0, 3), (pool.Stats.SharedBlocks, pool.Stats.CachedBlocks, pool.Stats.UsedBlocks));

        reader.Dispose();
        Assert.Equal((0, 0, 3), (pool.Stats.SharedBlocks, pool.Stats.CachedBlocks, pool.Stats.UsedBlocks));
        writer.Dispose();
        Assert.Equal((0, 2, 0, 8), (pool.Stats.SharedBlocks, pool.Stats.CachedBlocks, pool.Stats.UsedBlocks, pool.Stats.FreeBlocks));

        using var next = pool.NewCache();
        Assert.Equal(8, next.AttachPrefix(Range(1, 12)));
        Assert.Equal((0, 2), (pool.Stats.CachedBlocks, pool.Stats.UsedBlocks));
    }

    [Fact]
    public void The_same_prefix_computed_twice_is_held_once()
    {
        using var pool = Pool(8);
        using var a = Fed(pool, Range(1, 8));
        using var b = Fed(pool, Range(1, 9));
        Assert.Equal(a.Blocks, b.Blocks.Take(2));
        Assert.Equal((2, 3), (pool.Stats.SharedBlocks, pool.Stats.UsedBlocks));
    }

    [Fact]
    public void Unreferenced_blocks_are_taken_back_least_recently_released_first_and_before_idle_caches_lose_theirs()
    {
        using var pool = Pool(6);
        using var idle = Fed(pool, Range(50, 8));
        idle.MarkIdle();
        Fed(pool, Range(1, 8)).Dispose();     // released first
        Fed(pool, Range(11, 8)).Dispose();    // released last
        Assert.Equal((4, 4, 2), (pool.Stats.CachedBlocks, pool.Stats.FreeBlocks, pool.Stats.IdleBlocks));

        using var taker = pool.NewCache();
        Assert.True(taker.TryReserve(8));     // two blocks: the older prefix's
        Assert.Equal((8, 0L), (idle.Length, pool.Stats.Evictions));
        using var probe = pool.NewCache();
        Assert.Equal(0, probe.AttachPrefix(Range(1, 9)));
        Assert.Equal(8, probe.AttachPrefix(Range(11, 9)));
    }

    [Fact]
    public void An_address_collision_is_caught_by_comparing_token_ids()
    {
        using var pool = Pool(8, (_, _) => 0);   // every block has the same address
        using var a = Fed(pool, Range(1, 8));    // its second block collides with its first and stays its own
        Assert.Equal(0, pool.Stats.SharedBlocks);

        using var other = pool.NewCache();
        Assert.Equal(0, other.AttachPrefix(Range(21, 9)));   // same address as a's first block, other tokens
        using var same = pool.NewCache();
        Assert.Equal(4, same.AttachPrefix(Range(1, 9)));     // a's first block only: its second was never addressed
        Assert.Equal(a.Blocks[0], same.Blocks[0]);
    }

    [Fact]
    public void A_block_is_found_only_after_the_block_it_followed_not_after_others_with_the_same_tokens()
    {
        using var pool = Pool(8, (_, ids) => (UInt128)ids[0]);   // the address ignores the parent
        using var a = Fed(pool, [1, 2, 3, 4, 5, 6, 7, 8]);
        using var b = Fed(pool, [9, 10, 11, 12, 5, 6, 7, 8]);   // same second block after another first one
        using var probe = pool.NewCache();
        Assert.Equal(4, probe.AttachPrefix([9, 10, 11, 12, 5, 6, 7, 8, 0]));
        Assert.Equal(b.Blocks[0], probe.Blocks[0]);
    }

    [Fact]
    public void A_truncation_inside_a_shared_block_gives_it_up_and_one_inside_an_own_block_keeps_the_positions()
    {
        using var pool = Pool(8);
        using var a = Fed(pool, Range(1, 10));
        a.Truncate(9);                                   // inside the partial third block: its own
        Assert.Equal((9, 3), (a.Length, a.BlockCount));
        a.Truncate(6);                                   // inside the addressed second block
        Assert.Equal((4, 1), (a.Length, a.BlockCount));
        Feed(a, Range(5, 4));                            // recomputed: addressed again, the same content
        using var probe = pool.NewCache();
        Assert.Equal(8, probe.AttachPrefix(Range(1, 9)));
    }

    [Fact]
    public void Attaching_checks_the_cache_holds_the_start_and_keeps_a_partial_block_unless_whole_ones_replace_it()
    {
        using var pool = Pool(8);
        using var writer = Fed(pool, Range(1, 12));
        using var cache = Fed(pool, Range(1, 2));
        Assert.Throws<ArgumentException>(() => cache.AttachPrefix([1, 3, 4, 5, 6]));
        Assert.Equal(2, cache.AttachPrefix(Range(1, 2)));    // nothing beyond its own two positions
        Assert.Equal(3, cache.AttachPrefix(Range(1, 3)));    // the start of the writer's first block, copied
        Assert.NotEqual(writer.Blocks[0], cache.Blocks[0]);
        Assert.Equal(11, cache.AttachPrefix(Range(1, 11)));  // two whole blocks replace the copy, then the third's start
        Assert.Equal(writer.Blocks.Take(2), cache.Blocks.Take(2));
        Assert.NotEqual(writer.Blocks[2], cache.Blocks[2]);
        Assert.Equal((3, 4), (cache.BlockCount, pool.Stats.UsedBlocks));
    }

    [Fact]
    public void The_start_of_a_block_is_copied_from_the_addressed_block_that_shares_the_most_tokens_after_the_same_parent()
    {
        using var pool = Pool(12);
        using var a = Fed(pool, [1, 2, 3, 4, 5, 6, 9, 9]);
        using var b = Fed(pool, [1, 2, 3, 4, 5, 6, 7, 9]);
        using var c = Fed(pool, [7, 7, 7, 7, 5, 6, 7, 8]);   // the same tokens after another first block
        using var probe = pool.NewCache();
        Assert.Equal(7, probe.AttachPrefix([1, 2, 3, 4, 5, 6, 7, 8]));
        Assert.Equal(a.Blocks[0], probe.Blocks[0]);
        Assert.DoesNotContain(probe.Blocks[1], new[] { a.Blocks[1], b.Blocks[1], c.Blocks[1] });
        Assert.False(pool.IsAddressed(probe.Blocks[1]));
        Assert.Equal((8L, 7L), (pool.Stats.PrefixQueriedTokens, pool.Stats.PrefixHitTokens));

        Feed(probe, [8]);                                     // full now, and the same as no other: addressed as its own
        Assert.True(pool.IsAddressed(probe.Blocks[1]));
        using var again = pool.NewCache();
        Assert.Equal(8, again.AttachPrefix([1, 2, 3, 4, 5, 6, 7, 8, 0]));
        Assert.Equal(probe.Blocks, again.Blocks);
    }

    [Fact]
    public void Without_a_block_to_spare_the_start_of_a_block_is_not_copied()
    {
        using var pool = Pool(3);
        using var writer = Fed(pool, Range(1, 12));
        using var reader = pool.NewCache();
        Assert.Equal(8, reader.AttachPrefix(Range(1, 11)));
        Assert.Equal(writer.Blocks.Take(2), reader.Blocks);
        Assert.Equal(3, pool.Stats.UsedBlocks);
    }

    [Fact]
    public void Idle_blocks_count_a_shared_block_only_when_every_reader_is_idle()
    {
        using var pool = Pool(8);
        using var a = Fed(pool, Range(1, 9));      // two addressed blocks and one own
        using var b = Fed(pool, Range(1, 9));      // the same two, and one own
        a.MarkIdle();
        Assert.Equal(1, pool.Stats.IdleBlocks);
        b.MarkIdle();
        Assert.Equal(2 + 1 + 1, pool.Stats.IdleBlocks);
    }

    [Fact]
    public void A_pool_without_sharing_addresses_nothing()
    {
        using var pool = new KvBlockPool(Shape, KvFormat.F32, torch.CPU, blockTokens: 4, totalBlocks: 8);
        using var a = Fed(pool, Range(1, 8));
        using var b = pool.NewCache();
        Assert.Equal(0, b.AttachPrefix(Range(1, 9)));
        Assert.Equal(new KvPoolStats(4, 8, 6, 0, 0), pool.Stats);
        Assert.Throws<InvalidOperationException>(() => pool.SharePrefixes("late"));
    }
}
