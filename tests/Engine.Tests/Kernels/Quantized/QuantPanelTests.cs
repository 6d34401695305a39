using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Kernels.Quantized;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>
/// Panels of eight weight rows (<see cref="QuantPanels"/>) give every (weight row, row of x) pair the single-row
/// <see cref="QuantDot.Dot"/>: the same integer sums, the blocks' scaled sums added in another float order.
/// </summary>
public unsafe class QuantPanelTests
{
    public static TheoryData<GgmlType, int> TypesAndBlocks()
    {
        var data = new TheoryData<GgmlType, int>();
        foreach (var type in new[] { GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0 })
            foreach (int blocks in new[] { 1, 3, 9, 18 })   // 9 and 18: whole groups of eight blocks in pair order and a block after them
                data.Add(type, blocks);
        data.Add(GgmlType.Q4_K, 8);   // blocks of 32 values: one and three 256-value blocks
        data.Add(GgmlType.Q4_K, 24);
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndBlocks))]
    public void Every_pair_gets_its_dot_on_the_quantized_activations_for_one_to_five_rows_of_x(GgmlType type, int blocks)
    {
        Assert.True(QuantPanels.Takes(type));
        var format = QuantPanels.ActivationFormatFor(type);
        int columns = 32 * blocks, rowBytes = columns / GgmlTypeInfo.BlockSize(type) * GgmlTypeInfo.BytesPerBlock(type), aBytes = QuantDot.ActivationBytes(format, columns);
        var rng = new Random(blocks * 13 + (int)type);
        const int rows = 16, t = 5, yStride = rows + 3;
        var w = new byte[rows * rowBytes + 1];   // one byte off alignment
        for (int r = 0; r < rows; r++) RandomBlocks.Row(type, columns, rng).CopyTo(w, 1 + r * rowBytes);
        var x = Enumerable.Range(0, t * columns).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray();
        var a = new byte[t * aBytes + 1];
        var panel = new byte[QuantPanels.ScratchBytes(columns)];
        fixed (byte* wp = w, ap = a, pp = panel)
        fixed (float* xp = x)
        {
            byte* weights = wp + 1, acts = ap + 1;
            for (int i = 0; i < t; i++) QuantDot.QuantizeActivations(format, xp + i * columns, acts + i * aBytes, columns);
            // every count of rows of x a pass takes: five rows are a pass of four and one, two rows one of two, three of three
            foreach (int n in new[] { 5, 2, 3 })
            {
                var y = new float[t * yStride];
                fixed (float* yp = y) QuantPanels.Multiply(type, weights, rowBytes, rows, acts, aBytes, columns, n, yp, yStride, pp);
                for (int i = 0; i < t; i++)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        var (want, magnitude) = i < n ? Reference(type, w.AsSpan(1 + r * rowBytes, rowBytes), acts + i * aBytes, columns) : (0, 0);
                        double slack = 1e-5 * (1 + magnitude);
                        Assert.InRange(y[i * yStride + r], want - slack, want + slack);
                        // the 32-value formats' activation rows are their dots' own: the same integer sums as QuantDot.Dot
                        if (i < n && format == QuantDot.ActivationFormatFor(type)) Assert.InRange(QuantDot.Dot(type, weights + r * rowBytes, acts + i * aBytes, columns), want - slack, want + slack);
                    }
                    for (int r = rows; r < yStride; r++) Assert.Equal(0f, y[i * yStride + r]);   // nothing past the rows written
                }
            }
        }
    }

    [Fact]
    public void Hand_built_blocks_give_their_known_dot()
    {
        // eight Q4_0 rows of two blocks, d = 0.5 (F16 0x3800): row r's values are (nibble − 8) with nibble = (j + r) mod 16
        // at position j; x = 1 at every position, so q_x = 127 and d_x = 1/127: the dot is 0.5·Σ (nibble − 8)
        const int blocks = 2, columns = 64, rowBytes = blocks * 18;
        var w = new byte[8 * rowBytes];
        for (int r = 0; r < 8; r++)
            for (int b = 0; b < blocks; b++)
            {
                int at = r * rowBytes + b * 18;
                w[at] = 0x00; w[at + 1] = 0x38;
                for (int j = 0; j < 16; j++) w[at + 2 + j] = (byte)((j + r) % 16 | ((j + 16 + r) % 16) << 4);
            }
        var x = Enumerable.Repeat(1f, columns).ToArray();
        int aBytes = QuantDot.ActivationBytes(GgmlType.Q4_0, columns);
        var a = new byte[aBytes];
        var y = new float[8];
        var panel = new byte[QuantPanels.ScratchBytes(columns)];
        fixed (byte* wp = w, ap = a, pp = panel)
        fixed (float* xp = x, yp = y)
        {
            QuantDot.QuantizeActivations(GgmlType.Q4_0, xp, ap, columns);
            QuantPanels.Multiply(GgmlType.Q4_0, wp, rowBytes, 8, ap, aBytes, columns, 1, yp, 8, pp);
        }
        for (int r = 0; r < 8; r++)
        {
            double want = 0;
            for (int b = 0; b < blocks; b++)
                for (int j = 0; j < 32; j++) want += 0.5 * ((j + r) % 16 - 8);
            Assert.Equal(want, y[r], 4);   // every row: two blocks of 0.5·(2·Σ_{v=0..15} v − 256) = −8
        }
    }

    /// <summary>
    /// Every value at its format's largest magnitude against activations all at ±127: the integer sums a block adds in
    /// shorts before widening reach their bound (eight chunks of two products of 15·127 for the four-bit formats, Q4_K's
    /// sub-blocks included), and must come out as the single-row dot's.
    /// </summary>
    [Theory]
    [InlineData(GgmlType.Q4_0, 1f)]
    [InlineData(GgmlType.Q4_1, -1f)]
    [InlineData(GgmlType.Q5_0, 1f)]
    [InlineData(GgmlType.Q5_1, -1f)]
    [InlineData(GgmlType.Q8_0, 1f)]
    [InlineData(GgmlType.Q8_0, -1f)]
    [InlineData(GgmlType.Q4_K, 1f)]
    [InlineData(GgmlType.Q4_K, -1f)]
    public void Values_at_their_largest_magnitude_do_not_saturate_the_short_sums(GgmlType type, float xValue)
    {
        int blockSize = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BytesPerBlock(type);
        int columns = 512, rowBytes = columns / blockSize * blockBytes;
        var format = QuantPanels.ActivationFormatFor(type);
        int aBytes = QuantDot.ActivationBytes(format, columns);
        var w = new byte[8 * rowBytes];
        Array.Fill(w, type == GgmlType.Q8_0 ? (byte)0x81 : (byte)0xFF);   // Q8_0: −127; the others: every bit of every value set
        for (int at = 0; at < w.Length; at += blockBytes)
        {
            w[at] = 0x00; w[at + 1] = 0x3C;   // d = 1
            if (type is GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K) { w[at + 2] = 0x00; w[at + 3] = 0xB8; }   // m or dmin = −0.5
        }
        var x = Enumerable.Repeat(xValue, columns).ToArray();
        var a = new byte[aBytes];
        var y = new float[8];
        var panel = new byte[QuantPanels.ScratchBytes(columns)];
        fixed (byte* wp = w, ap = a, pp = panel)
        fixed (float* xp = x, yp = y)
        {
            QuantDot.QuantizeActivations(format, xp, ap, columns);
            QuantPanels.Multiply(type, wp, rowBytes, 8, ap, aBytes, columns, 1, yp, 8, pp);
            for (int r = 0; r < 8; r++)
            {
                var (want, magnitude) = Reference(type, w.AsSpan(r * rowBytes, rowBytes), ap, columns);
                Assert.True(Math.Abs(want) > 100, $"the reference sum {want} is not large");
                Assert.InRange(y[r], want - 1e-5 * (1 + magnitude), want + 1e-5 * (1 + magnitude));
            }
        }
    }

    [Fact]
    public void Rows_not_a_multiple_of_eight_or_columns_not_whole_blocks_are_refused()
    {
        var panel = new byte[QuantPanels.ScratchBytes(64)];
        fixed (byte* pp = panel)
        {
            byte* p = pp;
            Assert.Throws<ArgumentOutOfRangeException>(() => QuantPanels.Multiply(GgmlType.Q8_0, p, 68, 12, p, 68, 64, 1, (float*)p, 8, p));
            Assert.Throws<ArgumentException>(() => QuantPanels.Multiply(GgmlType.Q8_0, p, 68, 8, p, 68, 48, 1, (float*)p, 8, p));
            Assert.Throws<NotSupportedException>(() => QuantPanels.Multiply(GgmlType.Q6_K, p, 210, 8, p, 68, 256, 1, (float*)p, 8, p));
        }
    }

    [Theory]
    [InlineData(CpuGemv.PanelRows)]
    [InlineData(CpuGemv.KPanelRows)]
    [InlineData(CpuGemv.Q8_0PanelRows)]
    [InlineData(11)]   // Q4_K in panels, the other K formats' four-row dots, the 32-value parts' leftover rows in tiles
    [InlineData(CpuGemv.WidenedRows)]
    [InlineData(23)]
    [InlineData(CpuGemv.MaxRows)]
    public void The_gemv_gives_paneled_parts_their_dots_and_widens_the_others_exactly(int t)
    {
        const int columns = 512;
        var rng = new Random(t);
        // row counts not multiples of eight: each thread's range ends in rows a panel does not take
        PackedWeight[] parts = [RandomBlocks.Packed(GgmlType.Q4_K, 37, columns, rng), RandomBlocks.Packed(GgmlType.Q5_0, 66, columns, rng), RandomBlocks.Packed(GgmlType.Q6_K, 9, columns, rng),
            RandomBlocks.Packed(GgmlType.Q8_0, 27, columns, rng), RandomBlocks.Packed(GgmlType.Q4_0, 44, columns, rng),
            RandomBlocks.Packed(GgmlType.Q5_K, 13, columns, rng)];
        var stack = new PackedStack(parts);
        var x = Enumerable.Range(0, t * columns).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = new float[t * stack.Rows];
        var exact = new float[t * stack.Rows];
        fixed (float* xp = x, yp = y, ep = exact)
        {
            CpuGemv.Multiply(stack, xp, yp, t, threads: 2, PackedMath.QuantizedActivations);
            if (t >= CpuGemv.WidenedRows) CpuGemv.Multiply(stack, xp, ep, t, threads: 2, PackedMath.Exact);
            int row = 0;
            foreach (var part in parts)
            {
                bool paneled = QuantPanels.Takes(part.Type), widened = !paneled && t >= CpuGemv.WidenedRows;
                var format = paneled ? QuantPanels.ActivationFormatFor(part.Type) : QuantDot.ActivationFormatFor(part.Type);
                var a = new byte[QuantDot.ActivationBytes(format, columns)];
                var dotRow = new byte[QuantDot.ActivationBytes(part.Type, columns)];
                fixed (byte* wp = part.Data, ap = a, dp = dotRow)
                    for (int i = 0; i < t; i++)
                    {
                        QuantDot.QuantizeActivations(format, xp + i * columns, ap, columns);
                        QuantDot.QuantizeActivations(part.Type, xp + i * columns, dp, columns);
                        for (int r = 0; r < part.Rows; r++)
                        {
                            int at = i * stack.Rows + row + r;
                            if (widened)
                            {
                                Assert.Equal(BitConverter.SingleToInt32Bits(exact[at]), BitConverter.SingleToInt32Bits(y[at]));
                                continue;
                            }
                            // a thread's rows short of a panel take the part's own integer dots
                            var (want, magnitude) = Reference(part.Type, part.Data.AsSpan(r * part.RowBytes, part.RowBytes), ap, columns);
                            float single = QuantDot.Dot(part.Type, wp + (long)r * part.RowBytes, dp, columns);
                            double slack = 1e-5 * (1 + magnitude);
                            bool panelSum = Math.Abs(y[at] - want) <= slack, dotSum = Math.Abs(y[at] - single) <= 1e-4 * (1 + Math.Abs(single));
                            Assert.True(panelSum || dotSum, $"{part.Type} x row {i}, weight row {r}: {y[at]} is neither the panel's {want} nor the dot's {single}");
                        }
                    }
                row += part.Rows;
            }
        }
    }

    /// <summary>
    /// A weight row's exact values (the dequantizer's) times a quantized activation row's (d_x·q_x per block), summed in
    /// double, and Σ |w·x|: the scale of the rounding a float order of the same products may add.
    /// </summary>
    static (double Dot, double Magnitude) Reference(GgmlType type, ReadOnlySpan<byte> row, byte* activations, int columns)
    {
        var values = RandomBlocks.Dequantize(type, row.ToArray(), columns);
        var x = ActivationRow.Of(QuantPanels.ActivationFormatFor(type), activations, columns / 32);
        sbyte* block = stackalloc sbyte[32];
        double dot = 0, magnitude = 0;
        for (int b = 0; b < columns / 32; b++)
        {
            x.CopyBlock(b, block);
            for (int j = 0; j < 32; j++)
            {
                double product = values[32 * b + j] * (double)x.Scales[b] * block[j];
                dot += product;
                magnitude += Math.Abs(product);
            }
        }
        return (dot, magnitude);
    }
}
