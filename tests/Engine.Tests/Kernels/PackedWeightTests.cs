using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>
/// Matrices kept as GGUF blocks compute what their exact dequantization computes: the decode GEMV (1..32 rows of x)
/// and the prefill tiles against a float64 matmul of the dequantized matrix, for every packed type.
/// </summary>
public class PackedWeightTests
{
    public static TheoryData<GgmlType> Types => new(GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0,
        GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    /// <summary>Byte offsets of each block's F16 scale and minimum (ggml's block_* structs).</summary>
    static int[] HalfOffsets(GgmlType type) => type switch
    {
        GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => [0],
        GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q2_K => [80, 82],
        GgmlType.Q3_K => [108],
        GgmlType.Q6_K => [208],
        _ => throw new ArgumentException($"{type}"),
    };

    /// <summary>Random blocks of <paramref name="type"/>: every quant, scale byte and mask random, the F16 fields small finite numbers.</summary>
    static PackedWeight RandomBlocks(GgmlType type, int rows, int columns, int seed)
    {
        var random = new Random(seed);
        int blockBytes = GgmlTypeInfo.BytesPerBlock(type);
        var data = new byte[GgmlTypeInfo.ByteSize(type, (long)rows * columns)];
        random.NextBytes(data);
        for (int b = 0; b < data.Length; b += blockBytes)
            foreach (var o in HalfOffsets(type))
                BitConverter.TryWriteBytes(data.AsSpan(b + o, 2), (Half)((random.NextDouble() * 2 - 1) * 0.01));
        return PackedWeight.FromBlocks(type, data, rows, columns);
    }

    static Tensor Dense(PackedWeight w) => tensor(w.Dequantize(), [w.Rows, w.Columns]);

    /// <summary>Each entry within 1e-4 of Σ|w|·|x| (float32 summation in another order) of the float64 product.</summary>
    static void AssertMatches(Tensor dense, Tensor x, Tensor ours, string what, double relative = 1e-4)
    {
        var want = x.to(ScalarType.Float64).matmul(dense.to(ScalarType.Float64).t());
        var scale = x.abs().to(ScalarType.Float64).matmul(dense.abs().to(ScalarType.Float64).t());
        var excess = (ours.to(ScalarType.Float64) - want).abs() - scale * relative;
        Assert.True(excess.max().item<double>() <= 1e-6, $"{what}: max |Δ| {(ours.to(ScalarType.Float64) - want).abs().max().item<double>():E3}");
    }

    /// <summary>x, w and their product each rounded to BF16 (8 significant bits, so by at most 2⁻⁹ of themselves), summed in F32.</summary>
    const double Bf16TileBound = 3.01 / 512;

    /// <summary>
    /// The default math's bound for t rows of x: decode-sized inputs quantize x per block (each value moves by at most
    /// max|x| / 254 of its block, well inside 2 % of Σ|w|·|x| for Gaussian x); prefill-sized ones multiply BF16 tiles where
    /// the CPU has AVX-512 BF16, else exact F32 ones.
    /// </summary>
    static double QuantizedBound(int t) =>
        t <= CpuGemv.MaxRows ? 2e-2 : ComputeDevices.Of(CPU) == ComputeDevice.CpuWithAvx512Bf16 ? Bf16TileBound : 1e-4;

    [Fact]
    public void Bf16TilesStayWithinTheirBoundAndExactModeStaysExact()
    {
        using var scope = NewDisposeScope();
        var w = RandomBlocks(GgmlType.Q4_K, 300, 2048, 3);
        var dense = Dense(w);
        var x = randn([100, w.Columns], generator: new TorchSharp.torch.Generator(5));
        AssertMatches(dense, x, PackedMatmul.Multiply([w], x, bf16: true), "BF16 tiles", Bf16TileBound);
        AssertMatches(dense, x, PackedMatmul.Multiply([w], x), "F32 tiles");
        // the bound is not loose by orders of magnitude: BF16 tiles are measurably not exact
        var want = x.to(ScalarType.Float64).matmul(dense.to(ScalarType.Float64).t());
        var rms = (PackedMatmul.Multiply([w], x, bf16: true).to(ScalarType.Float64) - want).square().mean().sqrt().item<double>();
        Assert.InRange(rms / want.square().mean().sqrt().item<double>(), 1e-4, 1e-2);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void GemvAndPrefillTilesMatchTheDequantizedMatmul(GgmlType type)
    {
        using var scope = NewDisposeScope();
        // odd row counts; 4096 columns: several blocks of every type, and tiles of 256 rows so 301 rows take two
        var w = RandomBlocks(type, 301, 4096, (int)type);
        var dense = Dense(w);
        var gen = new TorchSharp.torch.Generator(7);
        foreach (int t in new[] { 1, 3, 32, 40, CpuGemv.MaxRows + 16 })
        {
            var x = randn([t, w.Columns], generator: gen);
            AssertMatches(dense, x, new Linear(PackedMath.Exact, w).Forward(x), $"{type}, {t} rows");
            AssertMatches(dense, x, new Linear(w).Forward(x), $"{type}, {t} rows, quantized activations", QuantizedBound(t));
        }
        // a BF16 model's activations come back in BF16
        var xb = randn([3, w.Columns], generator: gen).to(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, new Linear(w).Forward(xb).dtype);
    }

    [Fact]
    public void PartsOfDifferentTypesEachWriteTheirSliceOfTheOutput()
    {
        using var scope = NewDisposeScope();
        // as a Q4_K_M file's fused Q/K/V can be: Q4_K, Q4_K, Q6_K (and a legacy type for good measure)
        PackedWeight[] parts = [RandomBlocks(GgmlType.Q4_K, 37, 512, 1), RandomBlocks(GgmlType.Q6_K, 300, 512, 2), RandomBlocks(GgmlType.Q5_0, 129, 512, 3)];
        var dense = cat(parts.Select(Dense).ToArray(), 0);
        var gen = new TorchSharp.torch.Generator(9);
        foreach (int t in new[] { 1, 32, 70 })
        {
            var x = randn([t, 512], generator: gen);
            AssertMatches(dense, x, new Linear(PackedMath.Exact, parts).Forward(x), $"{t} rows");
            AssertMatches(dense, x, new Linear(parts).Forward(x), $"{t} rows, quantized activations", QuantizedBound(t));
        }
    }

    [Theory]
    [InlineData(CpuGemv.WidenedRows)]
    [InlineData(23)]
    [InlineData(CpuGemv.MaxRows)]
    public unsafe void BatchedDecodeWidensToExactlyTheDenseGemvOfTheDequantizedRows(int t)
    {
        // parts whose row counts are not multiples of the four-row tiles or of the rows widened per pass
        PackedWeight[] parts = [RandomBlocks(GgmlType.Q4_K, 37, 512, 4), RandomBlocks(GgmlType.Q6_K, 300, 512, 5), RandomBlocks(GgmlType.Q5_0, 129, 512, 6), RandomBlocks(GgmlType.Q8_0, 11, 512, 7)];
        var (stack, dense, x) = StackAndRows(parts, t);
        float[] packed = new float[t * stack.Rows], plain = new float[t * stack.Rows];
        fixed (float* xp = x, wp = dense, yp = packed, zp = plain)
        {
            CpuGemv.Multiply(stack, xp, yp, t, threads: 2, PackedMath.Exact);
            CpuGemv.Multiply(wp, xp, zp, t, stack.Rows, 512, threads: 2);
        }
        for (int i = 0; i < packed.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(packed[i]) == BitConverter.SingleToInt32Bits(plain[i]), $"x row {i / stack.Rows}, weight row {i % stack.Rows}: {packed[i]} vs {plain[i]}");
    }

    /// <summary>The parts stacked, their dequantized values in order, and t rows of 512 uniform values.</summary>
    static (PackedStack Stack, float[] Dense, float[] X) StackAndRows(PackedWeight[] parts, int t, int columns = 512)
    {
        var random = new Random(t);
        var x = new float[t * columns];
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle() * 2 - 1;
        return (new PackedStack(parts), [.. parts.SelectMany(p => p.Dequantize())], x);
    }

    [Theory]
    [InlineData(CpuGemv.MaxRows + 1, 512)]
    [InlineData(100, 512)]   // not a multiple of the panels' six rows of x
    [InlineData(71, 576)]    // columns past the last whole stretch of 256
    [InlineData(16, 576)]    // dense: a batch's head, in the register tiles
    public unsafe void PromptsMatchTheDequantizedMatrixInDoubleAndTheDensePath(int t, int columns)
    {
        // parts of 37, 130 and 11 rows: whole panels of sixteen and rows short of one, in each thread's range
        PackedWeight[] parts = columns % 256 == 0
            ? [RandomBlocks(GgmlType.Q4_K, 37, columns, 8), RandomBlocks(GgmlType.Q4_0, 130, columns, 9), RandomBlocks(GgmlType.Q8_0, 11, columns, 10)]
            : [RandomBlocks(GgmlType.Q5_0, 37, columns, 8), RandomBlocks(GgmlType.Q4_0, 130, columns, 9), RandomBlocks(GgmlType.Q8_0, 11, columns, 10)];
        var (stack, dense, x) = StackAndRows(parts, t, columns);
        float[] packed = new float[t * stack.Rows], plain = new float[t * stack.Rows];
        fixed (float* xp = x, wp = dense, yp = packed, zp = plain)
        {
            CpuGemv.MultiplyPrompt(stack, xp, yp, t, threads: 2);
            CpuGemv.MultiplyPrompt(wp, xp, zp, t, stack.Rows, columns, threads: 2);
        }
        // every output of both paths within float32 summation of the float64 product (a misplaced or misdecoded weight is
        // off by far more); the two cut panels at different rows (the packed path at each part's end), so bits may differ
        for (int i = 0; i < t; i++)
            for (int r = 0; r < stack.Rows; r++)
            {
                double want = 0, scale = 0;
                for (int c = 0; c < columns; c++) (want, scale) = (want + (double)dense[r * columns + c] * x[i * columns + c], scale + Math.Abs((double)dense[r * columns + c] * x[i * columns + c]));
                Assert.InRange(packed[i * stack.Rows + r], want - 1e-5 * scale - 1e-6, want + 1e-5 * scale + 1e-6);
                Assert.InRange(plain[i * stack.Rows + r], want - 1e-5 * scale - 1e-6, want + 1e-5 * scale + 1e-6);
            }
    }

    [Fact]
    public void EmbeddingLookupDecodesExactlyTheRowsAskedFor()
    {
        using var scope = NewDisposeScope();
        var w = RandomBlocks(GgmlType.Q6_K, 50, 256, 4);
        var dense = Dense(w);
        long[] ids = [49, 0, 7, 7];
        var rows = new TokenEmbedding(w, ScalarType.Float32).Lookup(ids, CPU);
        Assert.True(rows.eq(dense.index_select(0, tensor(ids))).all().item<bool>());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenEmbedding(w, ScalarType.Float32).Lookup([50], CPU));
    }

    [Fact]
    public void RowReorderingMovesWholeRows()
    {
        var w = RandomBlocks(GgmlType.Q4_K, 4, 512, 5);
        var moved = w.SelectRows([2, 0, 3, 1]);
        Assert.True(moved.Row(0).SequenceEqual(w.Row(2)) && moved.Row(3).SequenceEqual(w.Row(1)));
        Assert.Equal(w.Dequantize().AsSpan(2 * 512, 512).ToArray(), moved.Dequantize().AsSpan(0, 512).ToArray());
    }

    [Fact]
    public void Q8_0QuantizerMatchesTheFormatDefinition()
    {
        // one block: max |x| = 127 gives scale 1, so the bytes are the rounded values, read back by the GGUF dequantizer
        var x = Enumerable.Range(0, 32).Select(i => i == 5 ? -127f : i * 1.4f).ToArray();
        var p = PackedWeight.QuantizeQ8_0(x, 1, 32);
        Assert.Equal((Half)1f, BitConverter.ToHalf(p.Data, 0));
        Assert.Equal(-127, (sbyte)p.Data[2 + 5]);
        var reference = new float[32];
        Dequantizer.Dequantize(GgmlType.Q8_0, p.Data, reference);
        Assert.Equal(x.Select(v => MathF.Round(v)).ToArray(), reference);
    }

    [Fact]
    public void MalformedMatricesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new PackedWeight(GgmlType.Q4_K, 2, 100, new byte[2 * 144]));   // not whole super-blocks
        Assert.Throws<ArgumentException>(() => new PackedWeight(GgmlType.Q4_K, 2, 256, new byte[144]));       // bytes for one row
        Assert.Throws<ArgumentException>(() => new PackedWeight(GgmlType.F16, 2, 256, new byte[1024]));       // plain types stay dense
    }
}
