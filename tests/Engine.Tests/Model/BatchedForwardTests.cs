using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>A ragged batch (sequences at different positions, prefill mixed with decode) equals each sequence run alone.</summary>
public class BatchedForwardTests
{
    [SkippableTheory]
    [InlineData("tiny-smollm3/hf", false)]
    [InlineData("tiny-smollm2/hf", false)]
    [InlineData("tiny-smollm2/hf", true)]   // the batched caches share a pool of 4-token blocks
    public void RaggedBatchMatchesSequencesRunAlone(string model, bool paged)
    {
        using var lm = TinyModels.Load(model);
        using var pool = new KvBlockPool(lm.Config, KvFormat.F32, torch.CPU, blockTokens: 4, totalBlocks: 32);
        KvCache NewBatchedCache() => paged ? pool.NewCache() : lm.NewCache();
        int[] a0 = [10, 20, 30, 40, 50, 60, 70], b0 = [7, 8], a1 = [99], b1 = [11, 12, 13, 14], c0 = [300, 301, 302];

        using var sa = lm.NewCache();
        using var sb = lm.NewCache();
        using var sc = lm.NewCache();
        lm.Forward([new SequenceChunk(sa, a0)]).Dispose();
        lm.Forward([new SequenceChunk(sb, b0)]).Dispose();
        using var aloneA = lm.Forward([new SequenceChunk(sa, a1)]);
        using var aloneB = lm.Forward([new SequenceChunk(sb, b1, 2)]);
        using var aloneC = lm.Forward([new SequenceChunk(sc, c0)]);

        using var ba = NewBatchedCache();
        using var bb = NewBatchedCache();
        using var bc = NewBatchedCache();
        lm.Forward([new SequenceChunk(ba, a0), new SequenceChunk(bb, b0)]).Dispose();
        // decode for A, a 4-token chunk for B, a fresh prompt for C — all in one pass
        using var batched = lm.Forward([new SequenceChunk(ba, a1), new SequenceChunk(bb, b1, 2), new SequenceChunk(bc, c0)]);

        Assert.Equal([4L, lm.Config.VocabSize], batched.shape);
        using var expected = torch.cat([aloneA, aloneB, aloneC], 0);
        Assert.True(batched.allclose(expected, rtol: 1e-4, atol: 1e-4), $"max diff {(batched - expected).abs().max().item<float>()}");
        Assert.Equal([8, 6, 3], new[] { ba.Length, bb.Length, bc.Length });
        if (paged) Assert.Equal(2 + 2 + 1, pool.Stats.UsedBlocks);   // 8, 6 and 3 positions in blocks of 4
    }

    [SkippableTheory]
    [InlineData("tiny-smollm3/hf", "f32")]
    [InlineData("tiny-smollm2/hf", "f32")]
    [InlineData("tiny-smollm2/hf", "bf16")]
    [InlineData("tiny-smollm3/hf", "f32", "q8_0")]
    public void ManyDecodingSequencesInOneStepEqualEachDecodingAlone(string model, string dtype, string? kvDType = null)
    {
        var type = dtype == "bf16" ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32;
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        using var lm = CausalLM.Load(source, type, torch.CPU, kvFormat: kvDType is null ? KvFormat.Of(type) : KvFormat.Parse(kvDType));
        using var pool = new KvBlockPool(lm.Config, lm.KvFormat, torch.CPU, blockTokens: 4, totalBlocks: 64);
        int[][] prompts = [[10, 20, 30], [7], [40, 41, 42, 43, 44, 45, 46, 47, 48], [5, 6], [300, 301, 302, 303, 304]];
        var alone = prompts.Select(_ => lm.NewCache()).ToArray();
        // the last one keeps its own pool (256-position blocks): a layout the shared pool's decode call cannot take
        var batched = prompts.Select((_, i) => i < prompts.Length - 1 ? pool.NewCache() : lm.NewCache()).ToArray();
        try
        {
            for (int i = 0; i < prompts.Length; i++)
            {
                lm.Forward([new SequenceChunk(alone[i], prompts[i])]).Dispose();
                lm.Forward([new SequenceChunk(batched[i], prompts[i])]).Dispose();
            }
            // 1. every sequence decodes one token, all in one pass (the decode kernel for the whole batch)
            var expected = prompts.Select((_, i) => lm.Forward([new SequenceChunk(alone[i], [100 + i])])).ToList();
            using var step = lm.Forward(batched.Select((c, i) => new SequenceChunk(c, [100 + i])).ToList());
            AssertClose(torch.cat(expected, 0), step, type);
            // 2. four decode, one takes a 3-token chunk: decode rows and prefill rows in one pass
            expected = prompts.Select((_, i) => lm.Forward([new SequenceChunk(alone[i], i == 2 ? [1, 2, 3] : [200 + i])])).ToList();
            using var mixed = lm.Forward(batched.Select((c, i) => new SequenceChunk(c, i == 2 ? [1, 2, 3] : [200 + i])).ToList());
            AssertClose(torch.cat(expected, 0), mixed, type);
            Assert.Equal(alone.Select(c => c.Length), batched.Select(c => c.Length));
        }
        finally
        {
            foreach (var c in alone.Concat(batched)) c.Dispose();
        }
    }

    static void AssertClose(torch.Tensor expected, torch.Tensor actual, torch.ScalarType type)
    {
        Assert.Equal(expected.shape, actual.shape);
        if (type == torch.ScalarType.BFloat16)
        {
            // a BF16 step that cannot fuse (a cache in another layout) runs libtorch's BF16 path, rounding every activation
            // to BF16, where each sequence alone fused in F32 rows: 0.3–0.6 % of the logits' spread apart here
            double spread = (expected.max() - expected.min()).item<float>(), gap = (actual - expected).abs().max().item<float>();
            Assert.True(gap < 0.015 * spread, $"max diff {gap} (logit spread {spread})");
            return;
        }
        // F32 agrees to the last bits
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-4), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [SkippableFact]
    public void BadInputIsRejectedBeforeTheCacheChanges()
    {
        using var lm = TinyModels.Load("tiny-smollm2/hf");
        using var cache = lm.NewCache();
        lm.Forward([new SequenceChunk(cache, [1, 2, 3])]).Dispose();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => lm.Forward([new SequenceChunk(cache, [5, lm.Config.VocabSize])]));
        Assert.Contains("outside the vocabulary", ex.Message);
        Assert.Throws<ArgumentException>(() => lm.Forward([new SequenceChunk(cache, [])]));
        Assert.Equal(3, cache.Length);
    }

    [SkippableFact]
    public void ContextOverflowIsReportedWithTheNumbers()
    {
        using var lm = TinyModels.Load("tiny-smollm2/hf");
        using var cache = lm.NewCache(maxLength: 8);
        lm.Forward([new SequenceChunk(cache, [1, 2, 3, 4, 5, 6])]).Dispose();
        var ex = Assert.Throws<ContextOverflowException>(() => lm.Forward([new SequenceChunk(cache, [1, 2, 3])]));
        Assert.Equal((9, 8), (ex.Needed, ex.Limit));
        Assert.Equal(6, cache.Length);
    }
}
