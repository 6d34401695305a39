using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// Quantized GGUFs load at their own size: every matrix (embedding and head included) stays in its blocks, the
/// weights held are the file's tensor bytes, and the model computes what its dequantized self computes.
/// (<see cref="ReferenceAgreementTests"/> checks the same packed models against llama.cpp.)
/// </summary>
public class PackedGgufTests
{
    public static TheoryData<string> QuantizedFixtures => new()
    {
        "tiny-smollm3/model-q8_0.gguf",
        "tiny-smollm3/model-q4_k_m.gguf",
        "tiny-smollm2/model-q4_0.gguf",
        "tiny-smollm2/model-q5_k_m.gguf",
    };

    [SkippableTheory]
    [MemberData(nameof(QuantizedFixtures))]
    public void WeightsTakeTheFilesTensorBytes(string model)
    {
        using var source = GgufWeightSource.Open(Fixtures.Require(model.Split('/')));
        using var lm = CausalLM.Load(source, ScalarType.Float32, CPU);
        var c = source.Config;
        int matrices = 1 + 7 * c.NumLayers + (c.TieWordEmbeddings ? 0 : 1);   // embedding, q k v o gate up down, untied head
        Assert.Equal(matrices, lm.PackedMatrices);
        long fileBytes = source.File.Tensors.Sum(t => t.ByteSize);
        Assert.InRange(lm.WeightBytes, fileBytes * 0.97, fileBytes * 1.03);
        Assert.Equal(lm.WeightBytes, CausalLM.WeightBytesFor(source, ScalarType.Float32, CPU));
        // dequantized, the same file takes about 4 bytes per weight
        Assert.True(CausalLM.WeightBytesFor(source, ScalarType.Float32, CPU, keepQuantized: false) > 3 * fileBytes);
    }

    [SkippableTheory]
    [MemberData(nameof(QuantizedFixtures))]
    public void PackedAgreesWithItsDequantizedSelf(string model)
    {
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        using var packed = CausalLM.Load(source, ScalarType.Float32, CPU, packedMath: PackedMath.Exact);
        using var dense = CausalLM.Load(source, ScalarType.Float32, CPU, keepQuantized: false);
        Assert.Equal(0, dense.PackedMatrices);
        var prompt = Enumerable.Range(0, 45).Select(i => (i * 7919 + 13) % 30000).ToArray();   // prefill past the GEMV's 32 rows
        using var cp = packed.NewCache();
        using var cd = dense.NewCache();
        using var cp2 = packed.NewCache();
        using var cd2 = dense.NewCache();
        // a prefill, then decode steps of two sequences together
        foreach (var (a, b) in new (int[], int[])[] { (prompt, prompt[..5]), ([22287], [107]), ([40000], [9906]) })
        {
            using var p = packed.Forward([new SequenceChunk(cp, a), new SequenceChunk(cp2, b)]);
            using var d = dense.Forward([new SequenceChunk(cd, a), new SequenceChunk(cd2, b)]);
            Assert.True(p.allclose(d, rtol: 1e-4, atol: 1e-4), $"max diff {(p - d).abs().max().item<float>()}");
        }
    }
}
