using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// y = x · Wᵀ for a prompt's many rows of x with 256-bit vectors: <see cref="Width"/> weight rows at a time are
/// transposed into a panel (each column's sixteen values two vectors), and six rows of x at a time are broadcast
/// against it, column by column, into twelve accumulators that each hold eight outputs. Every loaded vector serves six
/// FMAs and no sum crosses lanes, where <see cref="F32Rows"/>' tiles take dots (a weight row and a row of x both
/// streamed, the lanes added at the end): an AVX2-only EPYC ran these at 49–52 G products/s a thread against the tiles'
/// 35–45, the difference largest on long rows (SmolLM3-3B's 11,008 columns). Each output sums its columns in order in
/// one lane, so a prompt's results differ from a decode step's (<see cref="F32Rows.Dot"/>) by rounding only.
/// </summary>
internal static unsafe class F32Panels
{
    /// <summary>Weight rows per panel.</summary>
    public const int Width = 16;

    /// <summary>
    /// Columns per panel (256 KB of it): the rows of x pass over it in L2. Whole rows or 4,096 columns measured the same on
    /// SmolLM3-3B (27.2–27.6 tokens/s for a prompt of 128), 1,024 less (26.2) and 256 less again (25.7), the rows of x
    /// then being read once per stretch.
    /// </summary>
    public const int Stretch = 4096;

    /// <summary>Floats of one panel.</summary>
    public static int PanelFloats => Width * Stretch;

    /// <summary>
    /// Transposes <see cref="Width"/> rows of <paramref name="count"/> columns (row i at <paramref name="rows"/> +
    /// i·<paramref name="rowStride"/>) into <paramref name="panel"/>: column k's values at panel + k·Width.
    /// </summary>
    public static void Pack(float* rows, long rowStride, int count, float* panel)
    {
        int k = 0;
        if (Avx.IsSupported)
            for (; k + 8 <= count; k += 8)
            {
                Transpose8.Block(rows + k, rowStride, panel + (long)k * Width, Width);
                Transpose8.Block(rows + 8 * rowStride + k, rowStride, panel + (long)k * Width + 8, Width);
            }
        for (; k < count; k++)
            for (int r = 0; r < Width; r++) panel[(long)k * Width + r] = rows[r * rowStride + k];
    }

    /// <summary>
    /// For each of the <paramref name="t"/> rows of x (row i at <paramref name="x"/> + i·<paramref name="xStride"/>, its
    /// first <paramref name="count"/> columns): its <see cref="Width"/> outputs at y + i·<paramref name="yStride"/> are
    /// set to (or, with <paramref name="accumulate"/>, increased by) its products with the panel's columns.
    /// </summary>
    public static void Multiply(float* panel, int count, float* x, long xStride, int t, float* y, long yStride, bool accumulate)
    {
        int i = 0;
        for (; i + 6 <= t; i += 6)
        {
            float* xi = x + i * xStride, yi = y + i * yStride;
            Six(panel, count, xi, xi + xStride, xi + 2 * xStride, xi + 3 * xStride, xi + 4 * xStride, xi + 5 * xStride,
                yi, yi + yStride, yi + 2 * yStride, yi + 3 * yStride, yi + 4 * yStride, yi + 5 * yStride, accumulate);
        }
        if (i == t) return;
        // the last one to five rows take the same six-row pass, its spare rows repeating the last real one into a sink
        var xs = stackalloc nint[6];
        var ys = stackalloc nint[6];
        var sink = stackalloc float[Width];
        for (int j = 0; j < 6; j++)
            (xs[j], ys[j]) = i + j < t ? ((nint)(x + (i + j) * xStride), (nint)(y + (i + j) * yStride)) : ((nint)(x + (t - 1) * xStride), (nint)sink);
        Six(panel, count, (float*)xs[0], (float*)xs[1], (float*)xs[2], (float*)xs[3], (float*)xs[4], (float*)xs[5],
            (float*)ys[0], (float*)ys[1], (float*)ys[2], (float*)ys[3], (float*)ys[4], (float*)ys[5], accumulate);
    }

    /// <summary>Six rows of x against the panel: twelve accumulators, two per row, each loaded panel vector serving six FMAs.</summary>
    static void Six(float* p, int count, float* x0, float* x1, float* x2, float* x3, float* x4, float* x5,
        float* y0, float* y1, float* y2, float* y3, float* y4, float* y5, bool accumulate)
    {
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default;
        Vector256<float> d0 = default, d1 = default, e0 = default, e1 = default, f0 = default, f1 = default;
        if (accumulate)
        {
            (a0, a1, b0, b1) = (Vector256.Load(y0), Vector256.Load(y0 + 8), Vector256.Load(y1), Vector256.Load(y1 + 8));
            (c0, c1, d0, d1) = (Vector256.Load(y2), Vector256.Load(y2 + 8), Vector256.Load(y3), Vector256.Load(y3 + 8));
            (e0, e1, f0, f1) = (Vector256.Load(y4), Vector256.Load(y4 + 8), Vector256.Load(y5), Vector256.Load(y5 + 8));
        }
        for (int k = 0; k < count; k++, p += Width)
        {
            var v0 = Vector256.Load(p);
            var v1 = Vector256.Load(p + 8);
            var u = Vector256.Create(x0[k]);
            a0 = Vector256.FusedMultiplyAdd(u, v0, a0); a1 = Vector256.FusedMultiplyAdd(u, v1, a1);
            u = Vector256.Create(x1[k]);
            b0 = Vector256.FusedMultiplyAdd(u, v0, b0); b1 = Vector256.FusedMultiplyAdd(u, v1, b1);
            u = Vector256.Create(x2[k]);
            c0 = Vector256.FusedMultiplyAdd(u, v0, c0); c1 = Vector256.FusedMultiplyAdd(u, v1, c1);
            u = Vector256.Create(x3[k]);
            d0 = Vector256.FusedMultiplyAdd(u, v0, d0); d1 = Vector256.FusedMultiplyAdd(u, v1, d1);
            u = Vector256.Create(x4[k]);
            e0 = Vector256.FusedMultiplyAdd(u, v0, e0); e1 = Vector256.FusedMultiplyAdd(u, v1, e1);
            u = Vector256.Create(x5[k]);
            f0 = Vector256.FusedMultiplyAdd(u, v0, f0); f1 = Vector256.FusedMultiplyAdd(u, v1, f1);
        }
        a0.Store(y0); a1.Store(y0 + 8); b0.Store(y1); b1.Store(y1 + 8);
        c0.Store(y2); c1.Store(y2 + 8); d0.Store(y3); d1.Store(y3 + 8);
        e0.Store(y4); e1.Store(y4 + 8); f0.Store(y5); f1.Store(y5 + 8);
    }
}
