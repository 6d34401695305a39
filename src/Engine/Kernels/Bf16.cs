using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels;

/// <summary>bfloat16 is the top half of a float32: widening is a 16-bit shift, so it vectorizes cheaply.</summary>
public static unsafe class Bf16
{
    public static float ToFloat(ushort b) => BitConverter.Int32BitsToSingle(b << 16);

    /// <summary>float32 rounded to the nearest bfloat16 (ties to even, NaN kept quiet), as libtorch converts.</summary>
    public static ushort FromFloat(float f)
    {
        if (float.IsNaN(f)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>dst[i] = <see cref="FromFloat"/>(src[i]) for <paramref name="n"/> values, NaN included.</summary>
    public static void Narrow(float* src, ushort* dst, int n)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; c + 32 <= n; c += 32)
                Vector512.Narrow(Round(Vector512.Load((uint*)src + c)), Round(Vector512.Load((uint*)src + c + 16))).Store(dst + c);
        for (; c + 16 <= n; c += 16)
            Vector256.Narrow(Round(Vector256.Load((uint*)src + c)), Round(Vector256.Load((uint*)src + c + 8))).Store(dst + c);
        for (; c < n; c++) dst[c] = FromFloat(src[c]);
    }

    // the top 16 bits after rounding to nearest, ties to even, in the low half of each lane; a NaN as FromFloat gives it
    static Vector512<uint> Round(Vector512<uint> bits) => Vector512.ConditionalSelect(
        Vector512.GreaterThan(bits & Vector512.Create(0x7FFFFFFFu), Vector512.Create(0x7F800000u)), Vector512.Create(0x7FC0u),
        (bits + Vector512.Create(0x7FFFu) + ((bits >> 16) & Vector512<uint>.One)) >> 16);
    static Vector256<uint> Round(Vector256<uint> bits) => Vector256.ConditionalSelect(
        Vector256.GreaterThan(bits & Vector256.Create(0x7FFFFFFFu), Vector256.Create(0x7F800000u)), Vector256.Create(0x7FC0u),
        (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) >> 16);

    /// <summary>Σ a[i]·b[i] with a in float32 and b in bfloat16.</summary>
    public static float Dot(float* a, ushort* b, int n)
    {
        int c = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
            for (; c + 32 <= n; c += 32)
            {
                var raw = Vector512.Load(b + c);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c), Widen(Vector512.WidenLower(raw)), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c + 16), Widen(Vector512.WidenUpper(raw)), s1);
            }
            sum = Vector512.Sum(s0 + s1);
        }
        else
        {
            // four accumulators: with one, each FMA waited on the one before (a one-stream BF16 decode ran at ~60 % of
            // the memory's rate on an AVX2-only EPYC)
            Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
            for (; c + 32 <= n; c += 32)
            {
                var raw = Vector256.Load(b + c);
                var next = Vector256.Load(b + c + 16);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Widen(Vector256.WidenLower(raw)), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c + 8), Widen(Vector256.WidenUpper(raw)), s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c + 16), Widen(Vector256.WidenLower(next)), s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c + 24), Widen(Vector256.WidenUpper(next)), s3);
            }
            for (; c + 16 <= n; c += 16)
            {
                var raw = Vector256.Load(b + c);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Widen(Vector256.WidenLower(raw)), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c + 8), Widen(Vector256.WidenUpper(raw)), s1);
            }
            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
        }
        for (; c < n; c++) sum += a[c] * ToFloat(b[c]);
        return sum;
    }

    /// <summary>
    /// y[k] = Σ x[i]·w[k·n + i] for four consecutive rows of <paramref name="w"/>, with <paramref name="xd"/> x as
    /// <see cref="Deinterleave"/> lays it out: a 32-bit lane of w holds an even value in its low half and an odd one in
    /// its high half, so a shift and a mask widen them with no shuffle. Each load of x serves four rows, and eight
    /// independent accumulators keep the FMAs from waiting on one another: the loop runs at the speed of reading w.
    /// </summary>
    public static void Dot4(float* xd, ushort* w, int n, float* y)
    {
        ushort* w1 = w + n, w2 = w1 + n, w3 = w2 + n;
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        var high = Vector256.Create(0xFFFF0000u);
        int c = 0;
        for (; c + 16 <= n; c += 16)
        {
            Sse.Prefetch0(w + c + PrefetchDistance);
            Sse.Prefetch0(w1 + c + PrefetchDistance);
            Sse.Prefetch0(w2 + c + PrefetchDistance);
            Sse.Prefetch0(w3 + c + PrefetchDistance);
            Vector256<float> even = Vector256.Load(xd + c), odd = Vector256.Load(xd + c + 8);
            var r = Vector256.Load((uint*)(w + c));
            a0 = Vector256.FusedMultiplyAdd(even, Vector256.ShiftLeft(r, 16).AsSingle(), a0);
            a1 = Vector256.FusedMultiplyAdd(odd, (r & high).AsSingle(), a1);
            r = Vector256.Load((uint*)(w1 + c));
            b0 = Vector256.FusedMultiplyAdd(even, Vector256.ShiftLeft(r, 16).AsSingle(), b0);
            b1 = Vector256.FusedMultiplyAdd(odd, (r & high).AsSingle(), b1);
            r = Vector256.Load((uint*)(w2 + c));
            c0 = Vector256.FusedMultiplyAdd(even, Vector256.ShiftLeft(r, 16).AsSingle(), c0);
            c1 = Vector256.FusedMultiplyAdd(odd, (r & high).AsSingle(), c1);
            r = Vector256.Load((uint*)(w3 + c));
            d0 = Vector256.FusedMultiplyAdd(even, Vector256.ShiftLeft(r, 16).AsSingle(), d0);
            d1 = Vector256.FusedMultiplyAdd(odd, (r & high).AsSingle(), d1);
        }
        float s0 = Vector256.Sum(a0 + a1), s1 = Vector256.Sum(b0 + b1), s2 = Vector256.Sum(c0 + c1), s3 = Vector256.Sum(d0 + d1);
        for (; c < n; c++)   // the tail is laid out as x itself
        {
            s0 += xd[c] * ToFloat(w[c]);
            s1 += xd[c] * ToFloat(w1[c]);
            s2 += xd[c] * ToFloat(w2[c]);
            s3 += xd[c] * ToFloat(w3[c]);
        }
        (y[0], y[1], y[2], y[3]) = (s0, s1, s2, s3);
    }

    /// <summary>
    /// x laid out for <see cref="Dot4"/>: in each whole group of 16 values the eight even-indexed ones, then the eight
    /// odd-indexed ones; the values past the last group as they are.
    /// </summary>
    public static void Deinterleave(float* x, float* xd, int n)
    {
        int c = 0;
        for (; c + 16 <= n; c += 16)
            for (int k = 0; k < 8; k++)
                (xd[c + k], xd[c + 8 + k]) = (x[c + 2 * k], x[c + 2 * k + 1]);
        for (; c < n; c++) xd[c] = x[c];
    }

    /// <summary>Values ahead of the current column that <see cref="Dot4"/> asks the cache for (2 KiB of each row).</summary>
    const int PrefetchDistance = 1024;

    [ThreadStatic] static float[]? _deinterleaved;

    /// <summary>
    /// y[i·yStride + r] = xᵢ · w[r] for <paramref name="rows"/> rows of <paramref name="w"/> (each <paramref name="n"/> wide)
    /// and <paramref name="t"/> rows of x: for several rows of x, four weight rows at a time, kept in L1 while every row
    /// of x passes over them; for one, the weight rows one after another, front to back (<see cref="Dot"/>): four rows read
    /// side by side are four streams, which an AMD EPYC (Zen 4) core's prefetchers followed at half the rate of one
    /// (SmolLM2-135M BF16 decode 61 → 111 tokens/s; docs/benchmarks.md).
    /// </summary>
    public static void Rows(ushort* w, int rows, int n, float* x, int t, float* y, int yStride)
    {
        int r = 0;
        if (rows >= 4 && t > 1)
        {
            fixed (float* xd = ThreadScratch.Pinned(ref _deinterleaved, (long)t * n + 4, 16 * 1024))
            {
                for (int i = 0; i < t; i++) Deinterleave(x + (long)i * n, xd + (long)i * n, n);
                float* four = xd + (long)t * n;
                for (; r + 4 <= rows; r += 4, w += 4L * n)
                    for (int i = 0; i < t; i++)
                    {
                        Dot4(xd + (long)i * n, w, n, four);
                        float* yi = y + (long)i * yStride + r;
                        (yi[0], yi[1], yi[2], yi[3]) = (four[0], four[1], four[2], four[3]);
                    }
            }
        }
        for (; r < rows; r++, w += n)
            for (int i = 0; i < t; i++)
                y[(long)i * yStride + r] = Dot(x + (long)i * n, w, n);
    }

    /// <summary>y += alpha · x with x in bfloat16.</summary>
    public static void Axpy(float alpha, ushort* x, float* y, int n)
    {
        int c = 0;
        var a = Vector256.Create(alpha);
        for (; c + 16 <= n; c += 16)
        {
            var raw = Vector256.Load(x + c);
            Vector256.FusedMultiplyAdd(a, Widen(Vector256.WidenLower(raw)), Vector256.Load(y + c)).Store(y + c);
            Vector256.FusedMultiplyAdd(a, Widen(Vector256.WidenUpper(raw)), Vector256.Load(y + c + 8)).Store(y + c + 8);
        }
        for (; c < n; c++) y[c] += alpha * ToFloat(x[c]);
    }

    /// <summary>dst[i] = src[i] widened to float32, for <paramref name="n"/> values (a cached row read back).</summary>
    public static void Widen(ushort* src, float* dst, int n)
    {
        int c = 0;
        for (; c + 16 <= n; c += 16)
        {
            var raw = Vector256.Load(src + c);
            Widen(Vector256.WidenLower(raw)).Store(dst + c);
            Widen(Vector256.WidenUpper(raw)).Store(dst + c + 8);
        }
        for (; c < n; c++) dst[c] = ToFloat(src[c]);
    }

    static Vector512<float> Widen(Vector512<uint> v) => Vector512.ShiftLeft(v, 16).AsSingle();
    static Vector256<float> Widen(Vector256<uint> v) => Vector256.ShiftLeft(v, 16).AsSingle();
}
