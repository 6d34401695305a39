using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// A BF16 checkpoint computed in F32 keeps its matrices as BF16 rows: half the bytes of F32 for decode to read, widened
/// exactly where they are used, so the model computes what its F32 copy computes.
/// </summary>
public unsafe class Bf16MatricesTests
{
    public static TheoryData<string> Checkpoints => new() { "tiny-smollm3/hf", "tiny-smollm2/hf" };

    [SkippableTheory]
    [MemberData(nameof(Checkpoints))]
    public void Matrices_stay_bf16_when_computing_f32_and_dense_when_computing_bf16(string model)
    {
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        var c = source.Config;
        int matrices = 1 + 7 * c.NumLayers + (c.TieWordEmbeddings ? 0 : 1);   // embedding, q k v o gate up down, untied head
        long matrixBytes = source.Weights.Where(w => w.Shape.Length == 2).Sum(w => w.ByteSize);
        long vectorElements = source.Weights.Where(w => w.Shape.Length != 2).Sum(w => w.Shape.Aggregate(1L, (a, b) => a * b));

        using var f32 = CausalLM.Load(source, ScalarType.Float32, CPU);
        Assert.Equal(matrices, f32.PackedMatrices);
        Assert.Equal(matrixBytes + 4 * vectorElements, f32.WeightBytes);   // the file's BF16 bytes; norms widened to F32
        Assert.Equal(f32.WeightBytes, CausalLM.WeightBytesFor(source, ScalarType.Float32, CPU));

        using var bf16 = CausalLM.Load(source, ScalarType.BFloat16, CPU);
        Assert.Equal(0, bf16.PackedMatrices);   // libtorch's BF16 GEMM takes dense tensors
        Assert.Equal(matrixBytes + 2 * vectorElements, bf16.WeightBytes);
    }

    [SkippableTheory]
    [MemberData(nameof(Checkpoints))]
    public void Bf16_rows_compute_what_the_f32_copy_computes(string model)
    {
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        using var rows = CausalLM.Load(source, ScalarType.Float32, CPU, kvFormat: KvFormat.F32);
        using var dense = CausalLM.Load(source, ScalarType.Float32, CPU, keepQuantized: false, kvFormat: KvFormat.F32);
        Assert.Equal(0, dense.PackedMatrices);
        var prompt = Enumerable.Range(0, 45).Select(i => (i * 7919 + 13) % 30000).ToArray();   // prefill by widened tiles
        using var cr = rows.NewCache();
        using var cd = dense.NewCache();
        using var cr2 = rows.NewCache();
        using var cd2 = dense.NewCache();
        // a prefill; a short chunk (the GEMV, several rows of x); decode steps of two sequences together
        foreach (var (a, b) in new (int[], int[])[] { (prompt, prompt[..5]), ([22287, 5, 6], [107]), ([40000], [9906]) })
        {
            using var r = rows.Forward([new SequenceChunk(cr, a), new SequenceChunk(cr2, b)]);
            using var d = dense.Forward([new SequenceChunk(cd, a), new SequenceChunk(cd2, b)]);
            Assert.True(r.allclose(d, rtol: 1e-5, atol: 1e-5), $"max diff {(r - d).abs().max().item<float>()}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(9)]
    public void The_gemv_on_bf16_rows_sums_exactly(int t)
    {
        // small integers and halves are exact in BF16 and their sums exact in F32; 40 columns leave a tail past 16s
        const int rows = 70, columns = 40;
        var w = new float[rows * columns];
        for (int i = 0; i < w.Length; i++) w[i] = (i * 37 % 23 - 11) * 0.5f;
        var bytes = new byte[w.Length * 2];
        for (int i = 0; i < w.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), Bf16.FromFloat(w[i]));
        var stack = new PackedStack([PackedWeight.FromBlocks(GgmlType.BF16, bytes, rows, columns)]);
        var x = Enumerable.Range(0, t * columns).Select(i => (float)(i * 13 % 7 - 3)).ToArray();
        var y = new float[t * rows];
        fixed (float* xp = x, yp = y) CpuGemv.Multiply(stack, xp, yp, t, threads: 2, PackedMath.QuantizedActivations);
        for (int i = 0; i < t; i++)
            for (int r = 0; r < rows; r++)
            {
                double expected = 0;
                for (int k = 0; k < columns; k++) expected += (double)w[r * columns + k] * x[i * columns + k];
                Assert.Equal(expected, y[i * rows + r]);
            }
    }
}
