using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// A fused decode step (norms, RoPE, cache writes and SiLU run as loops between our matmuls) gives the logits of the
/// general path, layer by layer through libtorch, for the same sequences: NoPE and YaRN layers, untied heads, packed
/// Q8_0 weights, and caches in F32, BF16 and Q8_0.
/// </summary>
public class FusedDecodeTests
{
    [SkippableTheory]
    [InlineData("tiny-smollm3/hf", "f32")]
    [InlineData("tiny-smollm3/hf", "bf16")]
    [InlineData("tiny-smollm3/hf", "q8_0")]
    [InlineData("tiny-smollm2/hf", "f32")]
    [InlineData("tiny-smollm3/model-q8_0.gguf", "f32")]
    [InlineData("long-context/tiny-smollm3-yarn", "f32")]
    [InlineData("tiny-smollm3/model-q4_k_m.gguf", "f32", 12)]   // packed weights fuse batches beyond the dense GEMV's 8 rows
    [InlineData("tiny-smollm3/hf", "bf16", 8)]   // enough rows that the norms, RoPE and SiLU split across threads
    [InlineData("tiny-smollm2/hf", "f32", 9)]
    public void FusedStepsEqualTheGeneralPath(string model, string kvDType, int sequences = 3)
    {
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        // exact packed math: quantizing activations is discontinuous, so float-rounding differences between the paths
        // (~1e-7) could flip a rounding and hide nothing but noise
        using var lm = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: KvFormat.Parse(kvDType), packedMath: PackedMath.Exact);
        using var pool = new KvBlockPool(lm.Config, lm.KvFormat, torch.CPU, blockTokens: 4, totalBlocks: 32 * sequences);
        int[][] prompts = [.. Enumerable.Range(0, sequences).Select(i => Enumerable.Range(0, 1 + i * 5 % 9).Select(j => 10 + 37 * i + j).ToArray())];
        var fused = prompts.Select(_ => pool.NewCache()).ToArray();
        var general = prompts.Select(_ => pool.NewCache()).ToArray();
        try
        {
            foreach (var (caches, i) in fused.Concat(general).Select((c, i) => (c, i % prompts.Length)))
                lm.Forward([new SequenceChunk(caches, prompts[i])]).Dispose();
            var tokens = Enumerable.Range(1, sequences).Select(i => 100 * i).ToArray();
            for (int step = 0; step < 6; step++)
            {
                // one sequence alone, then all three together
                var take = step % 2 == 0 ? 1 : prompts.Length;
                lm.FuseDecode = false;
                using var expected = lm.Forward(general.Take(take).Select((c, i) => new SequenceChunk(c, [tokens[i]])).ToList());
                lm.FuseDecode = true;
                int before = lm.FusedSteps;
                using var actual = lm.Forward(fused.Take(take).Select((c, i) => new SequenceChunk(c, [tokens[i]])).ToList());
                Assert.Equal(before + 1, lm.FusedSteps);
                float diff = (actual - expected).abs().max().item<float>();
                Assert.True(diff < 1e-4, $"step {step}: max logit difference {diff}");
                for (int i = 0; i < take; i++) tokens[i] = (int)expected[i].argmax().item<long>();
            }
            Assert.Equal(general.Select(c => c.Length), fused.Select(c => c.Length));
        }
        finally
        {
            foreach (var c in fused.Concat(general)) c.Dispose();
        }
    }

    /// <summary>
    /// Steps that mix prompt pieces of several tokens with decoding sequences (what continuous batching runs whenever a
    /// turn arrives) fuse too while their rows fit, each row attending causally to its own cache, and give the general
    /// path's logits and caches; a step with more rows than the fused kernels take goes the general way.
    /// </summary>
    [SkippableTheory]
    [InlineData("tiny-smollm3/hf", "f32")]
    [InlineData("tiny-smollm3/hf", "bf16")]
    [InlineData("tiny-smollm3/model-q4_k_m.gguf", "f32")]
    public void MixedStepsOfPromptPiecesAndDecodingFuse(string model, string kvDType)
    {
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        using var lm = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: KvFormat.Parse(kvDType), packedMath: PackedMath.Exact);
        using var pool = new KvBlockPool(lm.Config, lm.KvFormat, torch.CPU, blockTokens: 4, totalBlocks: 256);
        var fused = Enumerable.Range(0, 3).Select(_ => pool.NewCache()).ToArray();
        var general = Enumerable.Range(0, 3).Select(_ => pool.NewCache()).ToArray();
        // pieces per step and sequence: whole short prompts (crossing block edges), then decoding beside a new prompt's pieces
        int[][] lengths = [[5, 2, 7], [1, 3, 1], [1, 1, 6], [2, 1, 1]];
        int next = 10;
        try
        {
            foreach (var step in lengths)
            {
                var pieces = step.Select(n => Enumerable.Range(next, n).ToArray()).ToArray();
                next += step.Sum();
                lm.FuseDecode = false;
                using var expected = lm.Forward(general.Select((c, i) => new SequenceChunk(c, pieces[i], LogitsCount: Math.Min(2, pieces[i].Length))).ToList());
                lm.FuseDecode = true;
                int before = lm.FusedSteps;
                using var actual = lm.Forward(fused.Select((c, i) => new SequenceChunk(c, pieces[i], LogitsCount: Math.Min(2, pieces[i].Length))).ToList());
                Assert.Equal(before + 1, lm.FusedSteps);
                float diff = (actual - expected).abs().max().item<float>();
                Assert.True(diff < 1e-4, $"pieces [{string.Join(", ", step)}]: max logit difference {diff}");
            }
            Assert.Equal(general.Select(c => c.Length), fused.Select(c => c.Length));

            // more rows than one fused step takes: the general path, with the same result
            var longPiece = Enumerable.Range(next, CpuGemv.MaxRows + 1).ToArray();
            using var whole = lm.Forward([new SequenceChunk(general[0], longPiece)]);
            int fusedBefore = lm.FusedSteps;
            using var same = lm.Forward([new SequenceChunk(fused[0], longPiece)]);
            Assert.Equal(fusedBefore, lm.FusedSteps);
            Assert.True((same - whole).abs().max().item<float>() < 1e-4);
        }
        finally
        {
            foreach (var c in fused.Concat(general)) c.Dispose();
        }
    }

    /// <summary>
    /// A BF16 model's decode steps fuse and compute in F32 on its BF16 weights: from an empty cache, step by step, they
    /// give the logits of the same checkpoint loaded in F32 compute (which keeps BF16 rows and widens them exactly), with
    /// both caches in BF16; and after a prompt prefilled in BF16 they stay within BF16 rounding of the general BF16 path.
    /// </summary>
    [SkippableTheory]
    [InlineData("tiny-smollm3")]
    [InlineData("tiny-smollm2")]
    public void Bf16ComputeFusesDecodeInF32(string model)
    {
        using var source = ModelSources.Open(Fixtures.Require(model, "hf"));
        using var bf16 = CausalLM.Load(source, torch.ScalarType.BFloat16, torch.CPU);
        using var f32 = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: KvFormat.Parse("bf16"));
        Assert.Equal(bf16.KvFormat, f32.KvFormat);
        using var a = bf16.NewCache();
        using var b = f32.NewCache();
        int token = 7;
        for (int step = 0; step < 8; step++)
        {
            int before = bf16.FusedSteps;
            using var got = bf16.Forward([new SequenceChunk(a, [token])]);
            using var want = f32.Forward([new SequenceChunk(b, [token])]);
            Assert.Equal(before + 1, bf16.FusedSteps);
            Assert.Equal(torch.ScalarType.Float32, got.dtype);
            float diff = (got - want).abs().max().item<float>();
            Assert.True(diff < 1e-4, $"step {step}: max logit difference {diff}");
            token = (int)want[0].argmax().item<long>();
        }

        // twelve sequences in one fused step: more rows than the head's GEMV takes alone, so the head multiplies in BF16
        var many = Enumerable.Range(0, 12).Select(_ => (A: bf16.NewCache(), B: f32.NewCache())).ToList();
        try
        {
            int fusedBefore = bf16.FusedSteps;
            using var manyGot = bf16.Forward(many.Select((c, i) => new SequenceChunk(c.A, [3 + i])).ToList());
            using var manyWant = f32.Forward(many.Select((c, i) => new SequenceChunk(c.B, [3 + i])).ToList());
            Assert.Equal(fusedBefore + 1, bf16.FusedSteps);
            double manySpread = manyWant.max().item<float>() - manyWant.min().item<float>();
            double manyGap = (manyGot - manyWant).abs().max().item<float>();
            Assert.True(manyGap < 0.02 * manySpread, $"12 sequences: {manyGap} from F32 compute (logit spread {manySpread})");
        }
        finally
        {
            foreach (var (ca, cb) in many) { ca.Dispose(); cb.Dispose(); }
        }

        // a prompt prefilled in BF16, then decode fused against decode through libtorch in BF16
        using var fused = bf16.NewCache();
        using var general = bf16.NewCache();
        int[] prompt = [.. Enumerable.Range(20, 12)];
        bf16.Forward([new SequenceChunk(fused, prompt)]).Dispose();
        bf16.Forward([new SequenceChunk(general, prompt)]).Dispose();
        bf16.FuseDecode = false;
        using var slow = bf16.Forward([new SequenceChunk(general, [token])]);
        bf16.FuseDecode = true;
        using var fast = bf16.Forward([new SequenceChunk(fused, [token])]);
        // BF16 keeps 8 significant bits: the general path's roundings moved logits by 0.3–0.5 % of their spread here
        double spread = slow.max().item<float>() - slow.min().item<float>();
        double gap = (fast - slow).abs().max().item<float>();
        Assert.True(gap < 0.02 * spread, $"fused {gap} from the general BF16 path (logit spread {spread})");
        Assert.Equal(general.Length, fused.Length);
    }
}
