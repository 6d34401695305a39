using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>The loops over 256-value blocks shared by the K-quant weights and Q8_K activations.</summary>
internal static unsafe class KKernel<T> where T : struct, IKBlock
{
    public static float Simd(byte* w, byte* a, int blocks) => Row(w, ActivationRow.Of(ActivationFormat.Q8_K, a, blocks), blocks);

    /// <summary><see cref="Simd"/> for <paramref name="rows"/> weight rows <paramref name="stride"/> bytes apart, one after another, into y[0..rows).</summary>
    public static void SimdRun(byte* w, long stride, byte* a, int blocks, int rows, float* y)
    {
        var x = ActivationRow.Of(ActivationFormat.Q8_K, a, blocks);
        for (int r = 0; r < rows; r++, w += stride) y[r] = Row(w, x, blocks);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Row(byte* w, ActivationRow x, int blocks)
    {
        Vector256<float> acc = Vector256<float>.Zero, minAcc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += T.Bytes)
        {
            for (int l = 0; l < T.Bytes; l += 64) Sse.Prefetch0(w + Prefetch.Distance + l);
            var (dot, minDot) = T.Sums(w, x.Quants + ActivationRow.KBlock * b, x.GroupSums + GroupsPerBlock * b);
            float dx = x.Scales[b];
            acc = SimdBytes.ScaleAdd(HalfBits.ToSingle(w + T.ScaleOffset) * dx, dot, acc);
            if (T.MinOffset >= 0) minAcc = SimdBytes.ScaleAdd(HalfBits.ToSingle(w + T.MinOffset) * dx, minDot, minAcc);
        }
        return Vector256.Sum(acc) - Vector256.Sum(minAcc);
    }

    /// <summary>
    /// <typeparamref name="TRows"/> activation rows <paramref name="stride"/> bytes apart against one weight row, each
    /// weight block unpacked once for all of them (batched decode); lane i of the result is row i's dot.
    /// </summary>
    public static Vector128<float> SimdRows<TRows>(byte* w, byte* a, int stride, int blocks) where TRows : struct, IRowCount
    {
        var x = ActivationRow.Of(ActivationFormat.Q8_K, a, blocks);
        float* s0 = x.Scales, s1 = (float*)((byte*)s0 + stride), s2 = (float*)((byte*)s1 + stride), s3 = (float*)((byte*)s2 + stride);
        var dots = stackalloc Vector256<int>[4];
        var minDots = stackalloc Vector256<int>[4];
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, w += T.Bytes)
        {
            T.SumsRows<TRows>(w, x.Quants + ActivationRow.KBlock * b, x.GroupSums + GroupsPerBlock * b, stride, dots, minDots);
            float d = HalfBits.ToSingle(w + T.ScaleOffset), dmin = T.MinOffset >= 0 ? HalfBits.ToSingle(w + T.MinOffset) : 0;
            acc0 = Block(d, dmin, s0[b], dots[0], minDots[0], acc0);
            acc1 = Block(d, dmin, s1[b], dots[1], minDots[1], acc1);
            if (TRows.Count > 2) acc2 = Block(d, dmin, s2[b], dots[2], minDots[2], acc2);
            if (TRows.Count > 3) acc3 = Block(d, dmin, s3[b], dots[3], minDots[3], acc3);
        }
        return SimdBytes.Sum4(acc0, acc1, acc2, acc3);
    }

    /// <summary>acc + d·d_x·dot − dmin·d_x·minDot.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Block(float d, float dmin, float dx, Vector256<int> dot, Vector256<int> minDot, Vector256<float> acc)
    {
        acc = SimdBytes.ScaleAdd(d * dx, dot, acc);
        return T.MinOffset >= 0 ? SimdBytes.ScaleAdd(-dmin * dx, minDot, acc) : acc;
    }

    public static float Scalar(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(ActivationFormat.Q8_K, a, blocks);
        float total = 0;
        for (int b = 0; b < blocks; b++, w += T.Bytes)
        {
            var (dot, minDot) = T.Sum(w, x.Quants + ActivationRow.KBlock * b, x.GroupSums + GroupsPerBlock * b);
            float dx = x.Scales[b];
            total += HalfBits.ToSingle(w + T.ScaleOffset) * dx * dot;
            if (T.MinOffset >= 0) total -= HalfBits.ToSingle(w + T.MinOffset) * dx * minDot;
        }
        return total;
    }

    const int GroupsPerBlock = ActivationRow.KBlock / ActivationRow.KSumGroup;
}
