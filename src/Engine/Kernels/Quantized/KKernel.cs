using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>The loops over 256-value blocks shared by the K-quant weights and Q8_K activations.</summary>
internal static unsafe class KKernel<T> where T : struct, IKBlock
{
    public static float Simd(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(ActivationFormat.Q8_K, a, blocks);
        Vector256<float> acc = Vector256<float>.Zero, minAcc = Vector256<float>.Zero;
        for (int b = 0; b < blocks; b++, w += T.Bytes)
        {
            var (dot, minDot) = T.Sums(w, x.Quants + ActivationRow.KBlock * b, x.GroupSums + GroupsPerBlock * b);
            float dx = x.Scales[b];
            acc = SimdBytes.ScaleAdd(HalfBits.ToSingle(w + T.ScaleOffset) * dx, dot, acc);
            if (T.MinOffset >= 0) minAcc = SimdBytes.ScaleAdd(HalfBits.ToSingle(w + T.MinOffset) * dx, minDot, minAcc);
        }
        return Vector256.Sum(acc) - Vector256.Sum(minAcc);
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
