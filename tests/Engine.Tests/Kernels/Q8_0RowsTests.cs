using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>KV rows in Q8_0 against a plain scalar reading of llama.cpp's block layout (an F16 scale, then 32 signed bytes).</summary>
public unsafe class Q8_0RowsTests
{
    /// <summary>Reference: per block of 32 (or a final 16), d = F16(max|x| / 127) and q = round(x / d), laid out d then q.</summary>
    internal static byte[] ReferenceQuantize(float[] x)
    {
        var bytes = new List<byte>();
        for (int c = 0; c < x.Length; c += 32)
        {
            var block = x.Skip(c).Take(32).ToArray();
            var d = (Half)(block.Max(MathF.Abs) / 127);
            bytes.AddRange(BitConverter.GetBytes(d));
            bytes.AddRange(block.Select(v => (byte)(sbyte)((float)d == 0 ? 0 : Math.Clamp(MathF.Round(v / (float)d), -127, 127))));
        }
        return [.. bytes];
    }

    internal static float[] ReferenceDequantize(byte[] row, int n)
    {
        var x = new float[n];
        for (int c = 0, p = 0; c < n; c += 32)
        {
            float d = (float)BitConverter.ToHalf(row, p);
            int len = Math.Min(32, n - c);
            for (int i = 0; i < len; i++) x[c + i] = d * (sbyte)row[p + 2 + i];
            p += 2 + len;
        }
        return x;
    }

    static float[] Random(int n, int seed)
    {
        var rng = new Random(seed);
        // blocks of very different magnitudes: 1e-3 (its scale is an F16 subnormal), all zero (scale 0), 1, 100
        float[] magnitude = [1e-3f, 0, 1, 100];
        return Enumerable.Range(0, n).Select(i => (float)(rng.NextDouble() * 2 - 1) * magnitude[i / 32 % 4]).ToArray();
    }

    [Theory]
    [InlineData(16, 18)]
    [InlineData(48, 52)]    // one block and a half block
    [InlineData(64, 68)]
    [InlineData(128, 136)]
    public void A_row_round_trips_within_half_a_step_of_its_block_scale(int n, int rowBytes)
    {
        var x = Random(n, n);
        Assert.Equal(rowBytes, Q8_0Rows.RowBytes(n));
        var row = new byte[rowBytes];
        var back = new float[n];
        fixed (float* xp = x, bp = back)
        fixed (byte* rp = row)
        {
            Q8_0Rows.Quantize(xp, rp, n);
            Q8_0Rows.Dequantize(rp, bp, n);
        }
        Assert.Equal(ReferenceQuantize(x), row);
        Assert.Equal(ReferenceDequantize(row, n), back);
        for (int i = 0; i < n; i++)
        {
            float d = (float)BitConverter.ToHalf(row, i / 32 * 34);
            Assert.True(MathF.Abs(back[i] - x[i]) <= d / 2, $"value {i}: {x[i]} came back as {back[i]} (step {d})");
        }
    }

    [Theory]
    [InlineData(16)]
    [InlineData(48)]
    [InlineData(128)]
    public void Dot_and_axpy_read_the_row_as_its_dequantized_values(int n)
    {
        var row = ReferenceQuantize(Random(n, 7));
        var values = ReferenceDequantize(row, n);
        var rng = new Random(3);
        var q = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (float)rng.NextDouble()).ToArray();
        var want = y.Select((v, i) => v + 0.75f * values[i]).ToArray();
        double dot = q.Select((v, i) => (double)v * values[i]).Sum();
        // float sums in any order (AVX-512, AVX2 or scalar paths) are within a few ulps of Σ|q·v|
        double tolerance = 1e-6 * q.Select((v, i) => Math.Abs((double)v * values[i])).Sum();
        fixed (float* qp = q, yp = y)
        fixed (byte* rp = row)
        {
            Assert.Equal(dot, Q8_0Rows.Dot(qp, rp, n), tolerance);
            Q8_0Rows.Axpy(0.75f, rp, yp, n);
        }
        for (int i = 0; i < n; i++) Assert.Equal(want[i], y[i], 1e-6f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(24)]
    [InlineData(100)]
    public void A_row_length_that_is_not_a_multiple_of_16_is_refused(int n)
    {
        Assert.False(Q8_0Rows.Fits(n));
        var e = Assert.Throws<ArgumentException>(() => Q8_0Rows.RowBytes(n));
        Assert.Contains($"multiple of 16; got {n}", e.Message);
    }
}
