using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>Q8_0 matrices kept packed compute what their exact dequantization computes.</summary>
public class PackedWeightTests
{
    static (PackedWeight Packed, Tensor Dense) RandomQ8(int rows, int cols, int seed)
    {
        var values = randn([rows, cols], generator: new TorchSharp.torch.Generator((ulong)seed)).data<float>().ToArray();
        var packed = PackedWeight.Quantize(values, rows, cols);
        return (packed, tensor(packed.Dequantize(), [rows, cols]));
    }

    [Fact]
    public void QuantizerMatchesTheFormatDefinition()
    {
        // one block: max |x| = 127 gives scale 1, so the bytes are the rounded values
        var x = Enumerable.Range(0, 32).Select(i => i == 5 ? -127f : i * 1.4f).ToArray();
        var p = PackedWeight.Quantize(x, 1, 32);
        Assert.Equal(1f, p.Scales[0]);
        Assert.Equal(-127, p.Quants[5]);
        Assert.Equal((sbyte)MathF.Round(7 * 1.4f), p.Quants[7]);

        // the same block in GGUF's byte layout reads back identically, and dequantizes like the GGUF dequantizer
        var block = new byte[34];
        BitConverter.TryWriteBytes(block, (Half)1f);
        for (int i = 0; i < 32; i++) block[2 + i] = (byte)p.Quants[i];
        var fromGguf = PackedWeight.FromGgufBlocks(block, 1, 32);
        Assert.Equal(p.Quants, fromGguf.Quants);
        var reference = new float[32];
        Dequantizer.Dequantize(GgmlType.Q8_0, block, reference);
        Assert.Equal(reference, fromGguf.Dequantize());
    }

    [Theory]
    [InlineData(1, 384, 576)]
    [InlineData(5, 70, 64)]
    public void PackedGemvMatchesDenseLinearOnTheDequantizedMatrix(int t, int rows, int cols)
    {
        using var scope = NewDisposeScope();
        var (packed, dense) = RandomQ8(rows, cols, 5);
        var x = randn(t, cols);
        var ours = new Linear(packed).Forward(x);
        var want = F.linear(x, dense);
        Assert.True(ours.allclose(want, rtol: 1e-4, atol: 1e-4), $"max diff {(ours - want).abs().max().item<float>()}");
        // prefill-sized input takes the dequantize-then-GEMM path
        var xs = randn(20, cols);
        Assert.True(new Linear(packed).Forward(xs).allclose(F.linear(xs, dense), rtol: 1e-4, atol: 1e-4));
    }

    [SkippableFact]
    public void Q8GgufRunsPackedAndAgreesWithItsDequantizedSelf()
    {
        using var source = ModelSources.Open(Fixtures.Require("tiny-smollm3", "model-q8_0.gguf"));
        using var packed = CausalLM.Load(source, ScalarType.Float32, CPU);
        using var dense = CausalLM.Load(source, ScalarType.Float32, CPU, keepQuantized: false);
        Assert.True(packed.PackedMatrices >= 4 * 7, $"{packed.PackedMatrices} packed");   // q,k,v,o,gate,up,down per layer
        Assert.Equal(0, dense.PackedMatrices);

        using var cp = packed.NewCache();
        using var cd = dense.NewCache();
        int[] prompt = [9906, 1917, 11, 856, 836];
        foreach (var chunk in new[] { prompt, [22287], [107208] })
        {
            using var a = packed.Forward([new SequenceChunk(cp, chunk)]);
            using var b = dense.Forward([new SequenceChunk(cd, chunk)]);
            Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-4), $"max diff {(a - b).abs().max().item<float>()}");
        }
    }
}
