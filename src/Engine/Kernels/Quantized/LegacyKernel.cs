using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Block(byte* w, float* scales, sbyte* quants, int b, Vector256<float> acc)
    {
        byte* block = w + b * T.Bytes;
        return SimdBytes.ScaleAdd(HalfBits.ToSingle(block) * scales[b], T.Sums(block, quants + 32 * b), acc);
    }

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
