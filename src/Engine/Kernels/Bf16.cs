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

    [ThreadStatic] static float[]? _widened;

    /// <summary>Weight rows widened per pass of a batch (<see cref="Rows"/>): a few of the F32 tiles' groups, in L1 or L2.</summary>
    const int WidenedRows = 8;

    /// <summary>
    /// y[i·yStride + r] = xᵢ · w[r] for <paramref name="rows"/> rows of <paramref name="w"/> (each <paramref name="n"/> wide)
    /// and <paramref name="t"/> rows of x. For several rows of x, a few weight rows at a time are widened to F32 into the
    /// thread's buffer and taken by <see cref="F32Rows"/>' register tiles: each value is widened once for all rows of x,
    /// where a tile that widened in its loop paid the conversion again for every row of x (SmolLM2-135M BF16, 16
    /// sequences: a third of F32's rate; docs/benchmarks.md). For one, the weight rows one after another, front to back
    /// (<see cref="Dot"/>): four rows read side by side are four streams, which an AMD EPYC (Zen 4) core's prefetchers
    /// followed at half the rate of one (SmolLM2-135M BF16 decode 61 → 111 tokens/s).
    /// </summary>
    public static void Rows(ushort* w, int rows, int n, float* x, int t, float* y, int yStride)
    {
        if (t > 1)
        {
            int chunk = Math.Max(WidenedRows, F32Rows.RowAlign(t));   // whole tiles of either shape
            fixed (float* wide = ThreadScratch.Pinned(ref _widened, (long)chunk * n, 16 * 1024))
                for (int r = 0; r < rows; r += chunk)
                {
                    int m = Math.Min(chunk, rows - r);
                    Widen(w + (long)r * n, wide, m * n);
                    F32Rows.Rows(wide, m, n, x, t, y + r, yStride);
                }
            return;
        }
        for (int r = 0; r < rows; r++, w += n) y[r] = Dot(x, w, n);
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
