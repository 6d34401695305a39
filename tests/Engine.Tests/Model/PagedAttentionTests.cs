using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// A cache in a shared pool of small, scattered blocks gives the same logits as a standalone cache:
/// prefill gathers the blocks, decode reads them in place, across block boundaries (ragged batches: BatchedForwardTests).
/// </summary>
public class PagedAttentionTests
{
    static CausalLM Load(string model, torch.ScalarType dtype, KvFormat? kv = null)
    {
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        return CausalLM.Load(source, dtype, torch.CPU, kvFormat: kv ?? KvFormat.Of(dtype));
    }

    /// <summary>Takes one more block for <paramref name="spacer"/>, so the next blocks of other caches are not adjacent to their last.</summary>
    static void Interleave(KvCache spacer) => Assert.True(spacer.TryReserve(spacer.Capacity + 1));

    static void AssertSame(torch.Tensor want, torch.Tensor got, string what) =>
        Assert.True(got.allclose(want, rtol: 1e-5, atol: 1e-5), $"{what}: max diff {(got - want).abs().max().item<float>()}");

    [SkippableTheory]
    [InlineData("tiny-smollm3/hf", torch.ScalarType.Float32)]
    [InlineData("tiny-smollm2/hf", torch.ScalarType.Float32)]
    [InlineData("tiny-smollm3/hf", torch.ScalarType.BFloat16)]
    [InlineData("tiny-smollm3/hf", torch.ScalarType.Float32, "q8_0")]
    [InlineData("tiny-smollm2/hf", torch.ScalarType.Float32, "q8_0")]
    public void Scattered_blocks_give_the_logits_of_a_standalone_cache(string model, torch.ScalarType dtype, string? kvDType = null)
    {
        using var lm = Load(model, dtype, kvDType is null ? null : KvFormat.Parse(kvDType));
        using var pool = new KvBlockPool(lm.Config, lm.KvFormat, torch.CPU, blockTokens: 4, totalBlocks: 64);
        using var paged = pool.NewCache();
        using var spacer = pool.NewCache();
        using var alone = lm.NewCache();

        // prefill in two chunks (5 then 6 tokens: both cross block boundaries), then 12 decode steps
        int[][] feeds = [[10, 20, 30, 40, 50], [60, 70, 80, 90, 100, 110], .. Enumerable.Range(0, 12).Select(i => new[] { 200 + 7 * i })];
        foreach (var feed in feeds)
        {
            Interleave(spacer);
            using var want = lm.Forward([new SequenceChunk(alone, feed)]);
            using var got = lm.Forward([new SequenceChunk(paged, feed)]);
            AssertSame(want, got, $"at position {paged.Length}");
        }
        Assert.Equal((23, 6), (paged.Length, paged.BlockCount));
        Assert.Equal(paged.BlockCount + spacer.BlockCount, pool.Stats.UsedBlocks);
    }

    [SkippableFact]
    public void An_evicted_cache_refed_from_its_tokens_continues_as_if_it_had_kept_them()
    {
        using var lm = Load("tiny-smollm3/hf", torch.ScalarType.Float32);
        using var pool = new KvBlockPool(lm.Config, KvFormat.F32, torch.CPU, blockTokens: 4, totalBlocks: 16);
        int[] history = [5, 6, 7, 8, 9, 10, 11, 12, 13], next = [14];
        using var kept = pool.NewCache();
        using var evicted = pool.NewCache();
        lm.Forward([new SequenceChunk(kept, history)]).Dispose();
        lm.Forward([new SequenceChunk(evicted, history)]).Dispose();

        evicted.MarkIdle();
        Assert.True(pool.EvictIdle());
        evicted.MarkInUse();
        Assert.Equal((0, 0), (evicted.Length, evicted.BlockCount));
        Assert.Equal(3, pool.Stats.UsedBlocks);

        lm.Forward([new SequenceChunk(evicted, history)]).Dispose();
        using var want = lm.Forward([new SequenceChunk(kept, next)]);
        using var got = lm.Forward([new SequenceChunk(evicted, next)]);
        AssertSame(want, got, "after recompute");
    }

    [SkippableFact]
    public void A_cache_of_another_dtype_is_refused()
    {
        using var lm = Load("tiny-smollm2/hf", torch.ScalarType.Float32);
        using var pool = new KvBlockPool(lm.Config, KvFormat.BF16, torch.CPU, blockTokens: 4, totalBlocks: 4);
        using var cache = pool.NewCache();
        var e = Assert.Throws<ArgumentException>(() => lm.Forward([new SequenceChunk(cache, [1, 2])]));
        Assert.Contains("holds bf16", e.Message);
    }

    [SkippableFact]
    public void A_model_with_a_BF16_cache_makes_BF16_pools_that_hold_twice_the_tokens_and_refuses_F32_ones()
    {
        using var source = ModelSources.Open(Fixtures.Require("tiny-smollm3", "hf"));
        using var wide = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: KvFormat.F32);
        using var narrow = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: KvFormat.BF16);
        using var widePool = wide.NewBlockPool(1 << 20);
        using var narrowPool = narrow.NewBlockPool(1 << 20);
        Assert.Equal((KvFormat.F32, KvFormat.BF16), (widePool.Format, narrowPool.Format));
        Assert.Equal(2 * widePool.TotalTokens, narrowPool.TotalTokens);

        using var cache = widePool.NewCache();
        var e = Assert.Throws<ArgumentException>(() => narrow.Forward([new SequenceChunk(cache, [1, 2])]));
        Assert.Contains("holds f32", e.Message);
        Assert.Throws<ArgumentException>(() => CausalLM.Load(source, torch.ScalarType.Int8, torch.CPU));
    }

    [SkippableFact]
    public void A_model_loaded_without_a_cache_choice_caches_bf16_for_f32_compute_and_its_caches_follow()
    {
        using var source = ModelSources.Open(Fixtures.Require("tiny-smollm2", "hf"));
        using var lm = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU);
        Assert.Equal(KvFormat.BF16, lm.KvFormat);
        using var pool = lm.NewBlockPool(1 << 20);
        using var own = lm.NewCache();
        Assert.Equal(KvFormat.BF16, pool.Format);
        using var logits = lm.Forward([new SequenceChunk(own, [1, 2, 3])]);
        Assert.Equal(3, own.Length);
    }
}
