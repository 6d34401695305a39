using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>The loops over 32-value blocks shared by Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 weights.</summary>
internal static unsafe class LegacyKernel<T> where T : struct, ILegacyBlock
{
    static ActivationFormat Format => T.HasMin ? ActivationFormat.Q8_1 : ActivationFormat.Q8_0;

    public static float Simd(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        float* scales = x.Scales;
        sbyte* quants = x.Quants;
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        int b = 0;
        // Two blocks per turn on two accumulators, so consecutive FMAs do not wait on each other.
        for (; b + 1 < blocks; b += 2)
        {
            acc0 = Block(w, scales, quants, b, acc0);
            acc1 = Block(w, scales, quants, b + 1, acc1);
        }
        if (b < blocks) acc0 = Block(w, scales, quants, b, acc0);
        return Vector256.Sum(acc0 + acc1) + Offsets(w, x.BlockSums, blocks);
    }

    /// <summary>
    /// Four weight rows <paramref name="stride"/> bytes apart against one activation row: four independent accumulators
    /// (no FMA waits on the previous one), each activation block read from L1 for all four, one reduction at the end.
    /// </summary>
    public static Vector128<float> Simd4(byte* w, long stride, byte* a, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        float* scales = x.Scales;
        sbyte* quants = x.Quants;
        byte* w0 = w, w1 = w + stride, w2 = w + 2 * stride, w3 = w + 3 * stride;
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++)
        {
            acc0 = Block(w0, scales, quants, b, acc0);
            acc1 = Block(w1, scales, quants, b, acc1);
            acc2 = Block(w2, scales, quants, b, acc2);
            acc3 = Block(w3, scales, quants, b, acc3);
        }
        var sums = SimdBytes.Sum4(acc0, acc1, acc2, acc3);
        if (T.HasMin)
            sums += Vector128.Create(Offsets(w0, x.BlockSums, blocks), Offsets(w1, x.BlockSums, blocks),
                Offsets(w2, x.BlockSums, blocks), Offsets(w3, x.BlockSums, blocks));
        return sums;
    }

    /// <summary>
    /// Four activation rows <paramref name="stride"/> bytes apart against one weight row: each weight block unpacked
    /// once for all four (batched decode).
    /// </summary>
    public static Vector128<float> Simd4Activations(byte* w, byte* a, int stride, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        float* s0 = x.Scales, s1 = (float*)((byte*)s0 + stride), s2 = (float*)((byte*)s1 + stride), s3 = (float*)((byte*)s2 + stride);
        sbyte* q = x.Quants;
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        byte* block = w;
        for (int b = 0; b < blocks; b++, block += T.Bytes, q += 32)
        {
            var values = T.Values(block);
            var magnitudes = T.HasMin ? values.AsByte() : Avx2.Abs(values);
            float d = HalfBits.ToSingle(block);
            acc0 = SimdBytes.ScaleAdd(d * s0[b], Times(magnitudes, values, q), acc0);
            acc1 = SimdBytes.ScaleAdd(d * s1[b], Times(magnitudes, values, q + stride), acc1);
            acc2 = SimdBytes.ScaleAdd(d * s2[b], Times(magnitudes, values, q + 2 * stride), acc2);
            acc3 = SimdBytes.ScaleAdd(d * s3[b], Times(magnitudes, values, q + 3 * stride), acc3);
        }
        var sums = SimdBytes.Sum4(acc0, acc1, acc2, acc3);
        if (T.HasMin)
        {
            float* sums0 = x.BlockSums;
            sums += Vector128.Create(Offsets(w, sums0, blocks), Offsets(w, (float*)((byte*)sums0 + stride), blocks),
                Offsets(w, (float*)((byte*)sums0 + 2 * stride), blocks), Offsets(w, (float*)((byte*)sums0 + 3 * stride), blocks));
        }
        return sums;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Block(byte* w, float* scales, sbyte* quants, int b, Vector256<float> acc)
    {
        byte* block = w + b * T.Bytes;
        var values = T.Values(block);
        var magnitudes = T.HasMin ? values.AsByte() : Avx2.Abs(values);
        return SimdBytes.ScaleAdd(HalfBits.ToSingle(block) * scales[b], Times(magnitudes, values, quants + 32 * b), acc);
    }

    /// <summary>Σ q·x over a block, as 8 int partials: unsigned q times x as is, or |q| times x carrying q's sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Times(Vector256<byte> magnitudes, Vector256<sbyte> values, sbyte* x) =>
        SimdBytes.MulSum(magnitudes, T.HasMin ? Vector256.Load(x) : Avx2.Sign(Vector256.Load(x), values));

    /// <summary>Σ m·d_x·Σ q_x over the blocks when the type has a minimum, else 0.</summary>
    static float Offsets(byte* w, float* blockSums, int blocks)
    {
        if (!T.HasMin) return 0;
        float total = 0;
        for (int b = 0; b < blocks; b++, w += T.Bytes) total += HalfBits.ToSingle(w + 2) * blockSums[b];
        return total;
    }

    public static float Scalar(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        float total = 0;
        for (int b = 0; b < blocks; b++)
            total += HalfBits.ToSingle(w + b * T.Bytes) * x.Scales[b] * T.Sum(w + b * T.Bytes, x.Quants + 32 * b);
        return total + Offsets(w, x.BlockSums, blocks);
    }
}
