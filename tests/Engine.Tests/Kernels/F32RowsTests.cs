using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The tiled F32 GEMV against sums in double, and each sequence's result independent of its batch.</summary>
public unsafe class F32RowsTests
{
    [Theory]
    [InlineData(1, 4, 64)]
    [InlineData(3, 7, 45)]      // rows and columns not multiples of the tile or the vector width
    [InlineData(4, 5, 40)]      // two tiles of two with 256-bit vectors, where a tile of three would leave one row
    [InlineData(7, 6, 19)]
    [InlineData(9, 13, 576)]
    [InlineData(16, 8, 1536)]
    [InlineData(12, 14, 61)]    // three weight rows by four rows of x with 256-bit vectors: two rows left after the tiles
    [InlineData(16, 13, 576)]   // one row left
    [InlineData(48, 9, 35)]
    [InlineData(20, 2, 16)]     // too few rows for a tile of three
    [InlineData(32, 5, 33)]
    [InlineData(101, 9, 70)]    // rows of x in more than one group
    public void Rows_match_double_sums_and_do_not_depend_on_the_batch(int t, int rows, int n)
    {
        var random = new Random(t * 1000 + rows * 10 + n);
        float[] w = Values(random, rows * n), x = Values(random, t * n);
        int yStride = rows + 3;   // results land at a stride, as a stacked matrix's parts do
        var y = new float[t * yStride];
        fixed (float* wp = w, xp = x, yp = y)
        {
            F32Rows.Rows(wp, rows, n, xp, t, yp, yStride);
            for (int i = 0; i < t; i++)
                for (int r = 0; r < rows; r++)
                {
                    double want = 0;
                    for (int c = 0; c < n; c++) want += (double)w[r * n + c] * x[i * n + c];
                    float got = y[i * yStride + r];
                    Assert.True(Math.Abs(got - want) <= 1e-5 * n, $"row {r}, x {i}: {got} vs {want}");
                    // the same bits as that pair alone (one sequence's step) gives
                    float alone = F32Rows.Dot(wp + r * n, xp + i * n, n);
                    Assert.True(BitConverter.SingleToInt32Bits(alone) == BitConverter.SingleToInt32Bits(got), $"row {r}, x {i}: {got} in a batch of {t}, {alone} alone");
                }
            // and y between the rows' columns untouched
            for (int i = 0; i < t; i++)
                for (int r = rows; r < yStride && i * yStride + r < y.Length; r++) Assert.Equal(0f, y[i * yStride + r]);
        }
    }

    [Theory]
    [InlineData(9, 40, 576)]
    [InlineData(16, 37, 64)]
    [InlineData(16, 100, 40)]   // ranges on multiples of twelve rows and a last one that is not
    [InlineData(CpuGemv.DenseStepRows, 21, 100)]
    public void A_batch_head_on_the_dense_prompt_path_gives_each_sequence_the_bits_it_has_alone(int t, int rows, int n)
    {
        // a batched step's LM head is a "prompt" of t rows to Linear; up to DenseStepRows it takes the tiles, so a
        // sequence's logits do not change with the batch it shares
        var random = new Random(t * 7 + rows);
        float[] w = Values(random, rows * n), x = Values(random, t * n), y = new float[t * rows];
        fixed (float* wp = w, xp = x, yp = y)
        {
            CpuGemv.MultiplyPrompt(wp, xp, yp, t, rows, n, threads: 2);
            for (int i = 0; i < t; i++)
                for (int r = 0; r < rows; r++)
                {
                    float alone = F32Rows.Dot(wp + r * n, xp + i * n, n), got = y[i * rows + r];
                    Assert.True(BitConverter.SingleToInt32Bits(alone) == BitConverter.SingleToInt32Bits(got), $"row {r}, x {i}: {got} in a batch of {t}, {alone} alone");
                }
        }
    }

    static float[] Values(Random random, int count)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = random.NextSingle() * 2 - 1;
        return v;
    }
}
