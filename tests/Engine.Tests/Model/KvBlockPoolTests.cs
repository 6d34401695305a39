using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>Block accounting of the paged KV pool: budget to blocks, reserve, truncate, dispose, idle eviction.</summary>
public class KvBlockPoolTests
{
    // 2 layers × 2 KV heads × head_dim 8 × (K and V) × 4 bytes = 256 bytes per token in F32
    static readonly ModelConfig Shape = new()
    {
        Architecture = "llama", VocabSize = 32, HiddenSize = 32, IntermediateSize = 64,
        NumLayers = 2, NumHeads = 4, NumKvHeads = 2, MaxPositionEmbeddings = 1024,
    };

    static KvBlockPool Pool(int blocks) => new(Shape, torch.ScalarType.Float32, torch.CPU, blockTokens: 16, totalBlocks: blocks);

    [Fact]
    public void A_budget_becomes_whole_blocks()
    {
        using var pool = KvBlockPool.ForBudget(Shape, torch.ScalarType.Float32, torch.CPU, bytes: 10 * 16 * 256 + 4095, blockTokens: 16);
        Assert.Equal((256L, 4096L, 10, 160), (pool.BytesPerToken, pool.BlockBytes, pool.TotalBlocks, pool.TotalTokens));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => KvBlockPool.ForBudget(Shape, torch.ScalarType.Float32, torch.CPU, bytes: 4095));
        Assert.Contains("4096 bytes", e.Message);
    }

    [Fact]
    public void Reserving_truncating_and_disposing_move_blocks_between_caches_and_the_free_list()
    {
        using var pool = Pool(10);
        using var a = pool.NewCache();
        using var b = pool.NewCache();
        Assert.True(a.TryReserve(17));                    // 17 positions: 2 blocks
        Assert.Equal((2, 32), (a.BlockCount, a.Capacity));
        Assert.True(b.TryReserve(8 * 16));                // the other 8
        Assert.Equal(new KvPoolStats(16, 10, 0, 0, 0), pool.Stats);

        using var c = pool.NewCache();
        Assert.False(c.TryReserve(1));                    // nothing free: c takes nothing
        Assert.Equal(0, c.BlockCount);
        var e = Assert.Throws<KvPoolExhaustedException>(() => c.EnsureRoom(40));
        Assert.Equal(3, e.NeededBlocks);
        Assert.Contains("0 free blocks of 10", e.Message);

        a.Advance(17);
        a.Truncate(16);                                   // the second block is empty now and goes back
        Assert.Equal((1, 1), (a.BlockCount, pool.Stats.FreeBlocks));
        a.Truncate(0);
        b.Dispose();
        Assert.Equal(10, pool.Stats.FreeBlocks);
        Assert.True(c.TryReserve(10 * 16));               // the whole pool for one cache
        Assert.Equal(10, pool.Stats.UsedBlocks);
    }

    [Fact]
    public void A_sequence_longer_than_its_context_is_refused_before_taking_blocks()
    {
        using var pool = Pool(100);
        using var cache = pool.NewCache(maxLength: 20);
        var e = Assert.Throws<ContextOverflowException>(() => cache.TryReserve(21));
        Assert.Equal((21, 20), (e.Needed, e.Limit));
        Assert.Equal(0, pool.Stats.UsedBlocks);
    }

    [Fact]
    public void Eviction_empties_idle_caches_least_recently_used_first_and_never_one_in_use()
    {
        using var pool = Pool(10);
        using var a = pool.NewCache();
        using var b = pool.NewCache();
        using var busy = pool.NewCache();
        foreach (var (cache, tokens) in new[] { (a, 20), (b, 40), (busy, 16) })
        {
            Assert.True(cache.TryReserve(tokens));
            cache.Advance(tokens);
        }
        a.MarkIdle();
        b.MarkIdle();
        a.MarkInUse();
        a.MarkIdle();                                     // a used again after b: b is the least recent
        Assert.Equal(2 + 3, pool.Stats.IdleBlocks);

        Assert.True(pool.EvictIdle());
        Assert.Equal((0, 0, 20), (b.Length, b.BlockCount, a.Length));
        Assert.Equal((10 - 2 - 1, 1L), (pool.Stats.FreeBlocks, pool.Stats.Evictions));   // all but a's 2 and busy's 1
        Assert.True(pool.EvictIdle());
        Assert.Equal(0, a.Length);
        Assert.False(pool.EvictIdle());                   // only the cache in use is left
        Assert.Equal((16, 1, 2L), (busy.Length, pool.Stats.UsedBlocks, pool.Stats.Evictions));
    }

    [Fact]
    public void A_disposed_idle_cache_leaves_the_idle_list()
    {
        using var pool = Pool(4);
        var cache = pool.NewCache();
        Assert.True(cache.TryReserve(30));
        cache.MarkIdle();
        cache.Dispose();
        Assert.Equal(new KvPoolStats(16, 4, 4, 0, 0), pool.Stats);
        Assert.False(pool.EvictIdle());
    }
}
