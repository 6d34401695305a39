using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// y = x · Wᵀ over a range of F32 weight rows for t rows of x: tiles of four weight rows by four rows of x (three with
/// 256-bit vectors, and two for what is left), up to sixteen accumulators in registers, so each loaded vector serves
/// several FMAs instead of one. A batched
/// decode step of 16 sequences was bound by loads when every (row, x) pair took its own dot. Every pair is summed the
/// same way whatever the tile (one accumulator across the vector-wide chunks, its lanes added, then the scalar tail), so
/// a sequence's result does not depend on which or how many sequences share its step.
/// </summary>
public static unsafe class F32Rows
{
    /// <param name="w">(rows, n) row-major.</param>
    /// <param name="x">(t, n) row-major.</param>
    /// <param name="y">Row i of x's results at y + i·<paramref name="yStride"/>, one per weight row.</param>
    public static void Rows(float* w, int rows, int n, float* x, int t, float* y, int yStride)
    {
        // many rows of x (a prompt) in groups that stay in L2 while the weight rows pass over them
        for (int i0 = 0; i0 < t; i0 += XGroup)
            Group(w, rows, n, x + (long)i0 * n, Math.Min(XGroup, t - i0), y + (long)i0 * yStride, yStride);
    }

    /// <summary>Rows of x per pass over the weight rows: a multiple of the tiles' 3 and 4, and more than a batch.</summary>
    const int XGroup = 48;

    /// <summary>
    /// Whether t rows of x take tiles of three weight rows by four rows of x (256-bit vectors): twelve accumulators in
    /// every tile, where four by three leaves a remainder of four rows of x to two tiles of eight (16 sequences: a
    /// quarter of the sequences at 1.25× the cost). Faster in the model at every row width (SmolLM2-135M's 576 and
    /// 1,536 columns, SmolLM3-3B's; docs/benchmarks.md).
    /// </summary>
    static bool ThreeRowTiles(int t) => !Vector512.IsHardwareAccelerated && t >= 12 && t % 4 == 0;

    /// <summary>Multiple of weight rows a range given to <see cref="Rows"/> should start and end on, for its tiles.</summary>
    public static int RowAlign(int t) => ThreeRowTiles(Math.Min(t, XGroup)) ? 12 : 4;

    static void Group(float* w, int rows, int n, float* x, int t, float* y, int yStride)
    {
        bool wide = Vector512.IsHardwareAccelerated;
        int xTile = wide ? 4 : 3;
        int r = 0;
        if (ThreeRowTiles(t))
        {
            // the next three rows asked for a share during each tile, as the four-row groups below do
            int tiles = t / 4, step = (12 + tiles - 1) / tiles;
            for (; r + 3 <= rows; r += 3)
            {
                float* wr = w + (long)r * n;
                byte* next = (byte*)(wr + 3L * n);
                int pfStep = r + 6 <= rows ? step : 0;
                for (int i = 0; i < t; i += 4)
                    Tile3x4(wr, n, x + (long)i * n, y + (long)i * yStride + r, yStride, next + (long)(i / 4) * pfStep * n, pfStep);
            }
        }
        for (; r + 4 <= rows; r += 4)
        {
            float* wr = w + (long)r * n;
            // the next four rows spread evenly over this group's tiles, so they arrive while these are multiplied: the
            // core's own prefetch leaves a batch's first tile waiting on memory (docs/benchmarks.md)
            byte* next = (byte*)(wr + 4L * n);
            // a single row of x left over takes four x two tiles instead (four rows as two by two): one row alone is
            // a chain of FMAs, each waiting on the last (twice a tiled row's time)
            int tiled = !wide && t > 3 && t % 3 == 1 ? t - 4 : t;
            // the tiles of two share it too: left out, the last third of a 16-sequence group asked for nothing
            int tiles = tiled / xTile, pairs = wide ? 0 : (t - tiles * xTile) / 2, shares = tiles + pairs;
            int step = !wide && shares > 0 && r + 8 <= rows ? (16 + shares - 1) / shares : 0;   // only the 256-bit tiles prefetch
            int i = 0;
            for (; i + xTile <= tiled; i += xTile)
            {
                byte* pf = next + (long)(i / xTile) * step * n;
                if (wide) Tile4x4(wr, n, x + (long)i * n, y + (long)i * yStride + r, yStride);
                else Tile4x3(wr, n, x + (long)i * n, y + (long)i * yStride + r, yStride, pf, step);
            }
            for (int k = tiles; !wide && i + 2 <= t; i += 2, k++)
                Tile4x2(wr, n, x + (long)i * n, y + (long)i * yStride + r, yStride, next + (long)k * step * n, step);
            for (; i < t; i++)
                if (wide)
                    for (int k = 0; k < 4; k++) y[(long)i * yStride + r + k] = Dot(wr + (long)k * n, x + (long)i * n, n);
                else Tile4x1(wr, n, x + (long)i * n, y + (long)i * yStride + r);
        }
        for (; r < rows; r++)
            for (int i = 0; i < t; i++) y[(long)i * yStride + r] = Dot(w + (long)r * n, x + (long)i * n, n);
    }

    /// <summary>One (row, x) pair, summed exactly as the tiles sum each of theirs.</summary>
    public static float Dot(float* a, float* b, int n)
    {
        int c = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512<float>.Zero;
            for (; c + 16 <= n; c += 16) s = Vector512.FusedMultiplyAdd(Vector512.Load(a + c), Vector512.Load(b + c), s);
            sum = Vector512.Sum(s);
        }
        else
        {
            var s = Vector256<float>.Zero;
            for (; c + 8 <= n; c += 8) s = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Vector256.Load(b + c), s);
            sum = Sum4(s, s, s, s).ToScalar();
        }
        for (; c < n; c++) sum += a[c] * b[c];
        return sum;
    }

    static void Tile4x4(float* w, int n, float* x, float* y, int yStride)
    {
        float* w1 = w + n, w2 = w1 + n, w3 = w2 + n;
        float* x1 = x + n, x2 = x1 + n, x3 = x2 + n;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        int c = 0;
        for (; c + 16 <= n; c += 16)
        {
            var v0 = Vector512.Load(w + c); var v1 = Vector512.Load(w1 + c); var v2 = Vector512.Load(w2 + c); var v3 = Vector512.Load(w3 + c);
            (a00, a01, a02, a03) = Fma4(Vector512.Load(x + c), v0, v1, v2, v3, a00, a01, a02, a03);
            (a10, a11, a12, a13) = Fma4(Vector512.Load(x1 + c), v0, v1, v2, v3, a10, a11, a12, a13);
            (a20, a21, a22, a23) = Fma4(Vector512.Load(x2 + c), v0, v1, v2, v3, a20, a21, a22, a23);
            (a30, a31, a32, a33) = Fma4(Vector512.Load(x3 + c), v0, v1, v2, v3, a30, a31, a32, a33);
        }
        Store(y, w, n, c, x, Vector512.Sum(a00), Vector512.Sum(a01), Vector512.Sum(a02), Vector512.Sum(a03));
        Store(y + yStride, w, n, c, x1, Vector512.Sum(a10), Vector512.Sum(a11), Vector512.Sum(a12), Vector512.Sum(a13));
        Store(y + 2L * yStride, w, n, c, x2, Vector512.Sum(a20), Vector512.Sum(a21), Vector512.Sum(a22), Vector512.Sum(a23));
        Store(y + 3L * yStride, w, n, c, x3, Vector512.Sum(a30), Vector512.Sum(a31), Vector512.Sum(a32), Vector512.Sum(a33));
    }

    /// <summary>a_i + u·v_i for four vectors v_i: one row's sixteen values against four others' (a register tile's row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Fma4(Vector512<float> u,
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3,
        Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3) =>
        (Vector512.FusedMultiplyAdd(v0, u, a0), Vector512.FusedMultiplyAdd(v1, u, a1), Vector512.FusedMultiplyAdd(v2, u, a2), Vector512.FusedMultiplyAdd(v3, u, a3));

    /// <summary>
    /// Four weight rows by three rows of x with 256-bit vectors: twelve accumulators, enough independent FMAs to keep both
    /// FMA units busy through their latency (eight, in four by two, were not), in sixteen registers.
    /// </summary>
    static void Tile4x3(float* w, int n, float* x, float* y, int yStride, byte* pf, int pfStep)
    {
        float* w1 = w + n, w2 = w1 + n, w3 = w2 + n, x1 = x + n, x2 = x1 + n;
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a23 = default;
        int c = 0;
        long pfAdvance = 8L * pfStep;   // a running address: the product each step cost a multiply and a stack round trip
        for (; c + 8 <= n; c += 8, pf += pfAdvance)
        {
            if (Sse.IsSupported && pfStep > 0) Sse.Prefetch1(pf);
            var u0 = Vector256.Load(x + c); var u1 = Vector256.Load(x1 + c); var u2 = Vector256.Load(x2 + c);
            var v = Vector256.Load(w + c);
            a00 = Vector256.FusedMultiplyAdd(v, u0, a00); a10 = Vector256.FusedMultiplyAdd(v, u1, a10); a20 = Vector256.FusedMultiplyAdd(v, u2, a20);
            v = Vector256.Load(w1 + c);
            a01 = Vector256.FusedMultiplyAdd(v, u0, a01); a11 = Vector256.FusedMultiplyAdd(v, u1, a11); a21 = Vector256.FusedMultiplyAdd(v, u2, a21);
            v = Vector256.Load(w2 + c);
            a02 = Vector256.FusedMultiplyAdd(v, u0, a02); a12 = Vector256.FusedMultiplyAdd(v, u1, a12); a22 = Vector256.FusedMultiplyAdd(v, u2, a22);
            v = Vector256.Load(w3 + c);
            a03 = Vector256.FusedMultiplyAdd(v, u0, a03); a13 = Vector256.FusedMultiplyAdd(v, u1, a13); a23 = Vector256.FusedMultiplyAdd(v, u2, a23);
        }
        Store(y, w, n, c, x, Sum4(a00, a01, a02, a03));
        Store(y + yStride, w, n, c, x1, Sum4(a10, a11, a12, a13));
        Store(y + 2L * yStride, w, n, c, x2, Sum4(a20, a21, a22, a23));
    }

    /// <summary>Three weight rows by four rows of x: twelve accumulators, each pair summed as <see cref="Tile4x3"/> sums it.</summary>
    static void Tile3x4(float* w, int n, float* x, float* y, int yStride, byte* pf, int pfStep)
    {
        float* w1 = w + n, w2 = w1 + n, x1 = x + n, x2 = x1 + n, x3 = x2 + n;
        Vector256<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        int c = 0;
        long pfAdvance = 8L * pfStep;
        for (; c + 8 <= n; c += 8, pf += pfAdvance)
        {
            if (Sse.IsSupported && pfStep > 0) Sse.Prefetch1(pf);
            var v0 = Vector256.Load(w + c); var v1 = Vector256.Load(w1 + c); var v2 = Vector256.Load(w2 + c);
            var u = Vector256.Load(x + c);
            a00 = Vector256.FusedMultiplyAdd(v0, u, a00); a01 = Vector256.FusedMultiplyAdd(v1, u, a01); a02 = Vector256.FusedMultiplyAdd(v2, u, a02);
            u = Vector256.Load(x1 + c);
            a10 = Vector256.FusedMultiplyAdd(v0, u, a10); a11 = Vector256.FusedMultiplyAdd(v1, u, a11); a12 = Vector256.FusedMultiplyAdd(v2, u, a12);
            u = Vector256.Load(x2 + c);
            a20 = Vector256.FusedMultiplyAdd(v0, u, a20); a21 = Vector256.FusedMultiplyAdd(v1, u, a21); a22 = Vector256.FusedMultiplyAdd(v2, u, a22);
            u = Vector256.Load(x3 + c);
            a30 = Vector256.FusedMultiplyAdd(v0, u, a30); a31 = Vector256.FusedMultiplyAdd(v1, u, a31); a32 = Vector256.FusedMultiplyAdd(v2, u, a32);
        }
        // the fourth lane sums a second copy of the third row's accumulator and is not stored
        Store3(y, w, n, c, x, Sum4(a00, a01, a02, a02));
        Store3(y + yStride, w, n, c, x1, Sum4(a10, a11, a12, a12));
        Store3(y + 2L * yStride, w, n, c, x2, Sum4(a20, a21, a22, a22));
        Store3(y + 3L * yStride, w, n, c, x3, Sum4(a30, a31, a32, a32));
    }

    static void Tile4x2(float* w, int n, float* x, float* y, int yStride, byte* pf, int pfStep)
    {
        float* w1 = w + n, w2 = w1 + n, w3 = w2 + n, x1 = x + n;
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
        int c = 0;
        long pfAdvance = 8L * pfStep;
        for (; c + 8 <= n; c += 8, pf += pfAdvance)
        {
            if (Sse.IsSupported && pfStep > 0) Sse.Prefetch1(pf);
            var v0 = Vector256.Load(w + c); var v1 = Vector256.Load(w1 + c); var v2 = Vector256.Load(w2 + c); var v3 = Vector256.Load(w3 + c);
            var u = Vector256.Load(x + c);
            a00 = Vector256.FusedMultiplyAdd(v0, u, a00); a01 = Vector256.FusedMultiplyAdd(v1, u, a01);
            a02 = Vector256.FusedMultiplyAdd(v2, u, a02); a03 = Vector256.FusedMultiplyAdd(v3, u, a03);
            u = Vector256.Load(x1 + c);
            a10 = Vector256.FusedMultiplyAdd(v0, u, a10); a11 = Vector256.FusedMultiplyAdd(v1, u, a11);
            a12 = Vector256.FusedMultiplyAdd(v2, u, a12); a13 = Vector256.FusedMultiplyAdd(v3, u, a13);
        }
        Store(y, w, n, c, x, Sum4(a00, a01, a02, a03));
        Store(y + yStride, w, n, c, x1, Sum4(a10, a11, a12, a13));
    }

    /// <summary>
    /// Four weight rows by one row of x in four independent accumulators, each pair summed as <see cref="Dot"/> sums it:
    /// one 256-bit accumulator per row was a chain of FMAs each waiting on the last (a one-stream F32 decode on an
    /// AVX2-only EPYC).
    /// </summary>
    static void Tile4x1(float* w, int n, float* x, float* y)
    {
        float* w1 = w + n, w2 = w1 + n, w3 = w2 + n;
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int c = 0;
        for (; c + 8 <= n; c += 8)
        {
            var u = Vector256.Load(x + c);
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + c), u, a0); a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w1 + c), u, a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w2 + c), u, a2); a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w3 + c), u, a3);
        }
        Store(y, w, n, c, x, Sum4(a0, a1, a2, a3));
    }

    /// <summary>
    /// The lane sums of four 256-bit accumulators, each ((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7)): three horizontal adds and
    /// one add for all four, instead of a reduction apiece. <see cref="Dot"/> sums its one
    /// accumulator the same way, so every pair's result is the same whichever tile took it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        if (Avx.IsSupported)
        {
            var h = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
            return h.GetLower() + h.GetUpper();
        }
        return Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));

        static float Sum(Vector256<float> v) => ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
    }

    /// <summary>The first three of <paramref name="sums"/> for one row of x, each finished with the scalar tail from column <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store3(float* y, float* w, int n, int c, float* x, Vector128<float> sums)
    {
        float s0 = sums[0], s1 = sums[1], s2 = sums[2];
        for (int k = c; k < n; k++)
        {
            float xv = x[k];
            s0 += w[k] * xv; s1 += w[n + k] * xv; s2 += w[2 * n + k] * xv;
        }
        (y[0], y[1], y[2]) = (s0, s1, s2);
    }

    /// <summary>The four sums of one row of x, each finished with the scalar tail from column <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* y, float* w, int n, int c, float* x, Vector128<float> sums)
    {
        if (c == n) sums.Store(y);
        else Store(y, w, n, c, x, sums[0], sums[1], sums[2], sums[3]);
    }

    /// <summary>The four sums of one row of x, each finished with the scalar tail from column <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* y, float* w, int n, int c, float* x, float s0, float s1, float s2, float s3)
    {
        for (int k = c; k < n; k++)
        {
            float xv = x[k];
            s0 += w[k] * xv; s1 += w[n + k] * xv; s2 += w[2 * n + k] * xv; s3 += w[3 * n + k] * xv;
        }
        (y[0], y[1], y[2], y[3]) = (s0, s1, s2, s3);
    }
}
