using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>Block accounting of the paged KV pool: budget to blocks, reserve, truncate, dispose, idle eviction; in-place writes.</summary>
public class KvBlockPoolTests
{
    // 2 layers × 2 KV heads × head_dim 8 × (K and V) × 4 bytes = 256 bytes per token in F32
    internal static readonly ModelConfig Shape = new()
    {
        Architecture = "llama", VocabSize = 32, HiddenSize = 32, IntermediateSize = 64,
        NumLayers = 2, NumHeads = 4, NumKvHeads = 2, MaxPositionEmbeddings = 1024,
    };

    static KvBlockPool Pool(int blocks) => new(Shape, KvFormat.F32, torch.CPU, blockTokens: 16, totalBlocks: blocks);

    [Fact]
    public void A_budget_becomes_whole_blocks()
    {
        using var pool = KvBlockPool.ForBudget(Shape, KvFormat.F32, torch.CPU, bytes: 10 * 16 * 256 + 4095, blockTokens: 16);
        Assert.Equal((256L, 4096L, 10, 160), (pool.BytesPerToken, pool.BlockBytes, pool.TotalBlocks, pool.TotalTokens));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => KvBlockPool.ForBudget(Shape, KvFormat.F32, torch.CPU, bytes: 4095));
        Assert.Contains("4096 bytes", e.Message);
    }

    [Fact]
    public void The_same_bytes_hold_twice_the_tokens_in_BF16_or_F16()
    {
        const long bytes = 10 * 16 * 256;
        using var f32 = KvBlockPool.ForBudget(Shape, KvFormat.F32, torch.CPU, bytes, blockTokens: 16);
        using var bf16 = KvBlockPool.ForBudget(Shape, KvFormat.BF16, torch.CPU, bytes, blockTokens: 16);
        using var f16 = KvBlockPool.ForBudget(Shape, KvFormat.F16, torch.CPU, bytes, blockTokens: 16);
        Assert.Equal((160, 320, 320), (f32.TotalTokens, bf16.TotalTokens, f16.TotalTokens));
        Assert.Equal((256L, 128L), (f32.BytesPerToken, bf16.BytesPerToken));
        Assert.Equal(bytes, bf16.TotalBytes);
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

    [Theory]
    [InlineData(torch.ScalarType.Float32)]
    [InlineData(torch.ScalarType.BFloat16)]
    public void Positions_written_in_place_are_read_back_in_order_from_blocks_of_several_segments(torch.ScalarType dtype)
    {
        using var scope = torch.NewDisposeScope();
        // blocks of 4, two per segment, taken in turn with a spacer: the cache gets blocks 0, 2 and 4, one per segment
        using var pool = new KvBlockPool(Shape, KvFormat.Of(dtype), torch.CPU, blockTokens: 4, totalBlocks: 6, segmentBlocks: 2);
        using var cache = pool.NewCache();
        using var spacer = pool.NewCache();
        var keys = torch.randn(10, 2, 8).to(dtype);      // (positions, kv_heads, head_dim)
        var values = torch.randn(10, 2, 8).to(dtype);
        for (int p = 0; p < 10; p++)
        {
            if (p % 4 == 0) Assert.True(cache.TryReserve(1) && spacer.TryReserve(spacer.Capacity + 1));
            cache.AppendPosition(1, 0, keys[p].bytes, values[p].bytes);
            cache.Advance(1);
        }
        Assert.Equal((3, 0), (cache.BlockCount, pool.Stats.FreeBlocks));
        var (k, v) = cache.Gather(1, 10);
        Assert.True(k.equal(keys.transpose(0, 1)).all().item<bool>() && v.equal(values.transpose(0, 1)).all().item<bool>());
    }

    [Fact]
    public void An_in_place_write_of_the_wrong_size_or_into_a_pool_the_kernels_do_not_read_is_refused()
    {
        using var scope = torch.NewDisposeScope();
        using var pool = Pool(1);
        using var cache = pool.NewCache();
        Assert.True(cache.TryReserve(1));
        var bf16 = torch.zeros(2, 8, dtype: torch.ScalarType.BFloat16);
        var e = Assert.Throws<ArgumentException>(() => cache.AppendPosition(0, 0, bf16.bytes, bf16.bytes));
        Assert.Contains("64 bytes each of Float32, got 32", e.Message);

        using var f16 = new KvBlockPool(Shape, KvFormat.F16, torch.CPU, blockTokens: 16, totalBlocks: 1);
        using var other = f16.NewCache();
        Assert.True(other.TryReserve(1));
        var row = torch.zeros(2, 8, dtype: torch.ScalarType.Float16);
        Assert.Throws<InvalidOperationException>(() => other.AppendPosition(0, 0, row.bytes, row.bytes));
    }

    [Fact]
    public void A_q8_0_pool_quantizes_positions_written_one_at_a_time_or_in_chunks_and_gathers_them_in_F32()
    {
        using var scope = torch.NewDisposeScope();
        var shape = Shape with { HiddenSize = 64 };   // head_dim 16: a row is one half block, 18 bytes
        using var pool = new KvBlockPool(shape, KvFormat.Q8_0, torch.CPU, blockTokens: 4, totalBlocks: 6, segmentBlocks: 2);
        Assert.Equal((true, 2L * 2 * 2 * 18), (pool.InPlace, pool.BytesPerToken));
        using var single = pool.NewCache();
        using var chunked = pool.NewCache();
        var keys = torch.randn(10, 2, 16);      // (positions, kv_heads, head_dim)
        var values = torch.randn(10, 2, 16);
        for (int p = 0; p < 10; p++)
        {
            if (p % 4 == 0) Assert.True(single.TryReserve(1));
            single.AppendPosition(1, 0, keys[p].bytes, values[p].bytes);
            single.Advance(1);
        }
        Assert.True(chunked.TryReserve(10));
        chunked.Append(1, keys.narrow(0, 0, 3), values.narrow(0, 0, 3));
        chunked.Advance(3);
        chunked.Append(1, keys.narrow(0, 3, 7), values.narrow(0, 3, 7));   // crosses two block boundaries
        chunked.Advance(7);

        foreach (var cache in new[] { single, chunked })
        {
            var (k, v) = cache.Gather(1, 10);
            Assert.Equal(torch.ScalarType.Float32, k.dtype);
            Assert.True(k.equal(RoundTrip(keys).transpose(0, 1)).all().item<bool>() && v.equal(RoundTrip(values).transpose(0, 1)).all().item<bool>());
        }
    }

    /// <summary>Each row of (…, head_dim) F32 as the scalar Q8_0 reference stores and reads it back.</summary>
    static torch.Tensor RoundTrip(torch.Tensor x)
    {
        int n = (int)x.shape[^1];
        var rows = x.reshape(-1, n).data<float>().ToArray().Chunk(n)
            .SelectMany(r => Kernels.Q8_0RowsTests.ReferenceDequantize(Kernels.Q8_0RowsTests.ReferenceQuantize(r), n)).ToArray();
        return torch.tensor(rows).reshape(x.shape);
    }
}
