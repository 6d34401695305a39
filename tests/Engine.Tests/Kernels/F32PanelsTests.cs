using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The prompt panels: packing transposes exactly, and the products match sums in double, set or accumulated.</summary>
public unsafe class F32PanelsTests
{
    [Theory]
    [InlineData(1, 256)]
    [InlineData(2, 8)]
    [InlineData(5, 37)]     // columns not a multiple of the transpose's eight
    [InlineData(6, 64)]
    [InlineData(13, 200)]   // two sixes and a last row with five spare ones
    [InlineData(17, 256)]   // two sixes and five rows with one spare
    public void Products_match_double_sums_and_accumulate_onto_what_y_holds(int t, int count)
    {
        var random = new Random(t * 1000 + count);
        const int rowStride = 300, xStride = 270, yStride = 21;
        float[] w = Values(random, F32Panels.Width * rowStride), x = Values(random, t * xStride), y = Values(random, t * yStride);
        var panel = new float[count * F32Panels.Width];
        var before = (float[])y.Clone();
        fixed (float* wp = w, xp = x, yp = y, pp = panel)
        {
            F32Panels.Pack(wp, rowStride, count, pp);
            for (int k = 0; k < count; k++)
                for (int r = 0; r < F32Panels.Width; r++) Assert.Equal(w[r * rowStride + k], panel[k * F32Panels.Width + r]);

            F32Panels.Multiply(pp, count, xp, xStride, t, yp, yStride, accumulate: true);
            Check(w, x, y, before, t, count, rowStride, xStride, yStride, accumulated: true);
            F32Panels.Multiply(pp, count, xp, xStride, t, yp, yStride, accumulate: false);
            Check(w, x, y, before, t, count, rowStride, xStride, yStride, accumulated: false);
        }
    }

    static void Check(float[] w, float[] x, float[] y, float[] before, int t, int count, int rowStride, int xStride, int yStride, bool accumulated)
    {
        for (int i = 0; i < t; i++)
        {
            for (int r = 0; r < F32Panels.Width; r++)
            {
                double want = accumulated ? before[i * yStride + r] : 0, scale = Math.Abs(want);
                for (int k = 0; k < count; k++)
                {
                    double product = (double)w[r * rowStride + k] * x[i * xStride + k];
                    (want, scale) = (want + product, scale + Math.Abs(product));
                }
                Assert.InRange(y[i * yStride + r], want - 1e-6 * scale - 1e-7, want + 1e-6 * scale + 1e-7);
            }
            for (int r = F32Panels.Width; r < yStride; r++) Assert.Equal(before[i * yStride + r], y[i * yStride + r]);   // past the panel's outputs: untouched
        }
    }

    static float[] Values(Random random, int count)
    {
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = random.NextSingle() * 2 - 1;
        return v;
    }
}
