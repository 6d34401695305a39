using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>The loops over 32-value blocks shared by Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 weights.</summary>
internal static unsafe class LegacyKernel<T> where T : struct, ILegacyBlock
{
    static ActivationFormat Format => T.HasMin ? ActivationFormat.Q8_1 : ActivationFormat.Q8_0;

    public static float Simd(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = Vector256<float>.Zero;
        float offsets = 0;
        int b = 0;
        // Two blocks per turn on two accumulators, so consecutive FMAs do not wait on each other.
        for (; b + 1 < blocks; b += 2)
        {
            acc0 = Block(w, x, b, acc0, ref offsets);
            acc1 = Block(w, x, b + 1, acc1, ref offsets);
        }
        if (b < blocks) acc0 = Block(w, x, b, acc0, ref offsets);
        return Vector256.Sum(acc0 + acc1) + offsets;
    }

    static Vector256<float> Block(byte* w, in ActivationRow x, int b, Vector256<float> acc, ref float offsets)
    {
        byte* block = w + b * T.Bytes;
        if (T.HasMin) offsets += HalfBits.ToSingle(block + 2) * x.BlockSums[b];
        return SimdBytes.ScaleAdd(HalfBits.ToSingle(block) * x.Scales[b], T.Sums(block, x.Quants + 32 * b), acc);
    }

    public static float Scalar(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        float total = 0;
        for (int b = 0; b < blocks; b++, w += T.Bytes)
        {
            total += HalfBits.ToSingle(w) * x.Scales[b] * T.Sum(w, x.Quants + 32 * b);
            if (T.HasMin) total += HalfBits.ToSingle(w + 2) * x.BlockSums[b];
        }
        return total;
    }
}
