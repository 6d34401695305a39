using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Kernels.Quantized;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>
/// The blocked kernels (a run of weight rows against one row of activations, one weight row against two to four, four
/// weight rows against two to four) and the GEMV
/// built on them give the single-row <see cref="QuantDot.Dot"/> of every pair: the same integer sums, summed in
/// another float order.
/// </summary>
public unsafe class BlockedDotTests
{
    const double RoundingSlack = 1e-5;

    public static TheoryData<GgmlType, int> TypesAndBlocks() => Cases(RandomBlocks.Types);

    static TheoryData<GgmlType, int> Cases(IEnumerable<GgmlType> types)
    {
        var data = new TheoryData<GgmlType, int>();
        foreach (var type in types)
            foreach (int blocks in new[] { 1, 3, 6, 11 })
                data.Add(type, blocks);
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndBlocks))]
    public void Two_three_or_four_rows_at_once_give_each_row_s_dot(GgmlType type, int blocks)
    {
        var (w, x, a, columns, rowBytes, aBytes) = FourByFour(type, blocks, new Random(blocks * 31 + (int)type));
        var activationsTimesWeight = new float[4 * 4];
        var pairs = new float[4 * 4];
        var threes = new float[4 * 4];
        fixed (byte* wp = w, ap = a)
        fixed (float* xp = x, ya = activationsTimesWeight)
        {
            byte* rows = wp + 1, acts = ap + 1;
            for (int i = 0; i < 4; i++) QuantDot.QuantizeActivations(type, xp + i * columns, acts + i * aBytes, columns);
            for (int k = 0; k < 4; k++)
            {
                var four = QuantDot.DotActivations(type, rows + k * rowBytes, acts, aBytes, columns, rows: 4);
                // two rows at a time: rows 0–1, then 2–3
                var low = QuantDot.DotActivations(type, rows + k * rowBytes, acts, aBytes, columns, rows: 2);
                var high = QuantDot.DotActivations(type, rows + k * rowBytes, acts + 2 * aBytes, aBytes, columns, rows: 2);
                // three rows at a time: rows 1–3 (so row 0's lane cannot stand in for them)
                var three = QuantDot.DotActivations(type, rows + k * rowBytes, acts + aBytes, aBytes, columns, rows: 3);
                for (int i = 0; i < 4; i++)
                {
                    ya[4 * i + k] = four[i];
                    pairs[4 * i + k] = i < 2 ? low[i] : high[i - 2];
                    threes[4 * i + k] = i == 0 ? four[0] : three[i - 1];
                }
            }
            for (int i = 0; i < 4; i++)
                for (int k = 0; k < 4; k++)
                {
                    var (single, slack) = SingleDot(type, w, x, rows, acts, i, k, columns, rowBytes, aBytes);
                    Assert.InRange(activationsTimesWeight[4 * i + k], single - slack, single + slack);
                    Assert.InRange(pairs[4 * i + k], single - slack, single + slack);
                    Assert.InRange(threes[4 * i + k], single - slack, single + slack);
                }
        }
    }

    /// <summary>The 32-value formats, which take tiles (the K formats keep one weight row against the rows of x).</summary>
    public static TheoryData<GgmlType, int> TileTypesAndBlocks() => Cases(RandomBlocks.Types.Where(t => GgmlTypeInfo.BlockSize(t) == 32));

    [Theory]
    [MemberData(nameof(TileTypesAndBlocks))]
    public void A_tile_of_four_weight_rows_by_two_to_four_rows_of_x_gives_each_pair_its_dot(GgmlType type, int blocks)
    {
        Assert.True(QuantDot.Tiles(type));
        var (w, x, a, columns, rowBytes, aBytes) = FourByFour(type, blocks, new Random(blocks * 17 + (int)type));
        const int yStride = 7;   // rows of y wider than the tile, as a GEMV's are
        var four = new float[4 * yStride];
        var two = new float[4 * yStride];
        var three = new float[4 * yStride];
        fixed (byte* wp = w, ap = a)
        fixed (float* xp = x, y4 = four, y2 = two, y3 = three)
        {
            byte* rows = wp + 1, acts = ap + 1;
            for (int i = 0; i < 4; i++) QuantDot.QuantizeActivations(type, xp + i * columns, acts + i * aBytes, columns);
            QuantDot.DotTile4(type, rows, rowBytes, acts, aBytes, columns, 4, y4 + 1, yStride);
            QuantDot.DotTile4(type, rows, rowBytes, acts, aBytes, columns, 2, y2 + 1, yStride);
            QuantDot.DotTile4(type, rows, rowBytes, acts + 2 * aBytes, aBytes, columns, 2, y2 + 2 * yStride + 1, yStride);
            QuantDot.DotTile4(type, rows, rowBytes, acts + aBytes, aBytes, columns, 3, y3 + yStride + 1, yStride);   // rows 1–3
            for (int i = 0; i < 4; i++)
                for (int k = 0; k < 4; k++)
                {
                    var (single, slack) = SingleDot(type, w, x, rows, acts, i, k, columns, rowBytes, aBytes);
                    float tiled = four[i * yStride + 1 + k];
                    Assert.InRange(tiled, single - slack, single + slack);
                    // tiles of two, three and four rows of x sum each pair alike: a batch of 2–15 does not change a
                    // sequence's result
                    Assert.Equal(tiled, two[i * yStride + 1 + k]);
                    Assert.Equal(i == 0 ? 0f : tiled, three[i * yStride + 1 + k]);
                }
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(0f, four[i * yStride]);   // nothing outside the tile written
                Assert.Equal(0f, four[i * yStride + 5]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TypesAndBlocks))]
    public void A_run_of_rows_gives_each_row_s_dot_bit_for_bit(GgmlType type, int blocks)
    {
        var rng = new Random(blocks * 31 + (int)type);
        var (w, x, a, columns, rowBytes, _) = FourByFour(type, blocks, rng);
        var run = new float[5];
        fixed (byte* wp = w, ap = a)
        fixed (float* xp = x, yp = run)
        {
            byte* rows = wp + 1, acts = ap + 1;
            QuantDot.QuantizeActivations(type, xp, acts, columns);
            QuantDot.DotRows(type, rows, rowBytes, acts, columns, 4, yp);
            for (int k = 0; k < 4; k++) Assert.Equal(QuantDot.Dot(type, rows + k * rowBytes, acts, columns), run[k]);
            Assert.Equal(0f, run[4]);   // nothing past the run written
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    // from CpuGemv.PanelRows on, the panels' own activation rows (QuantPanelTests)
    public void The_gemv_gives_every_row_s_dot_for_any_batch(int t)
    {
        Assert.True(t < CpuGemv.PanelRows);
        // parts of two activation formats and row counts not a multiple of 4, so row groups, thread ranges and parts
        // all end in remainders
        // 512 columns: two K blocks a row; 2048: eight, where two rows of x left over share each K block (CpuGemv)
        foreach (int columns in new[] { 512, 2048 }) GemvRows(t, columns);
    }

    static void GemvRows(int t, int columns)
    {
        var rng = new Random(t * columns);
        PackedWeight[] parts = [RandomBlocks.Packed(GgmlType.Q4_K, 37, columns, rng), RandomBlocks.Packed(GgmlType.Q5_0, 66, columns, rng), RandomBlocks.Packed(GgmlType.Q6_K, 9, columns, rng),
            RandomBlocks.Packed(GgmlType.Q8_0, 11, columns, rng)];
        var stack = new PackedStack(parts);
        var x = Enumerable.Range(0, t * columns).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = new float[t * stack.Rows];
        fixed (float* xp = x, yp = y)
        {
            CpuGemv.Multiply(stack, xp, yp, t, threads: 2, PackedMath.QuantizedActivations);
            int row = 0;
            foreach (var part in parts)
            {
                int aBytes = QuantDot.ActivationBytes(part.Type, columns);
                var a = new byte[aBytes];
                fixed (byte* wp = part.Data, ap = a)
                    for (int i = 0; i < t; i++)
                    {
                        QuantDot.QuantizeActivations(part.Type, xp + i * columns, ap, columns);
                        for (int r = 0; r < part.Rows; r++)
                        {
                            float want = QuantDot.Dot(part.Type, wp + (long)r * part.RowBytes, ap, columns);
                            Assert.InRange(y[i * stack.Rows + row + r], want - 1e-4f * (1 + MathF.Abs(want)), want + 1e-4f * (1 + MathF.Abs(want)));
                        }
                    }
                row += part.Rows;
            }
        }
    }

    /// <summary>Four random weight rows of <paramref name="type"/> and four rows of x, and room for x quantized; each buffer one byte off alignment.</summary>
    static (byte[] W, float[] X, byte[] A, int Columns, int RowBytes, int ABytes) FourByFour(GgmlType type, int blocks, Random rng)
    {
        int columns = blocks * GgmlTypeInfo.BlockSize(type), rowBytes = columns / GgmlTypeInfo.BlockSize(type) * GgmlTypeInfo.BytesPerBlock(type);
        int aBytes = QuantDot.ActivationBytes(type, columns);
        var w = new byte[4 * rowBytes + 1];
        for (int k = 0; k < 4; k++) RandomBlocks.Row(type, columns, rng).CopyTo(w, 1 + k * rowBytes);
        var x = Enumerable.Range(0, 4 * columns).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray();
        return (w, x, new byte[4 * aBytes + 1], columns, rowBytes, aBytes);
    }

    /// <summary>Weight row k's <see cref="QuantDot.Dot"/> with row i of x, and the rounding slack of another summation order.</summary>
    static (float Single, double Slack) SingleDot(GgmlType type, byte[] w, float[] x, byte* rows, byte* acts, int i, int k, int columns, int rowBytes, int aBytes)
    {
        float single = QuantDot.Dot(type, rows + k * rowBytes, acts + i * aBytes, columns);
        var values = RandomBlocks.Dequantize(type, w.AsSpan(1 + k * rowBytes, rowBytes).ToArray(), columns);
        var (_, abs) = DotHarness.Exact(values, x.AsSpan(i * columns, columns).ToArray());
        return (single, RoundingSlack * abs + 1e-6);
    }
}
