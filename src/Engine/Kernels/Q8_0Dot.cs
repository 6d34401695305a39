using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Dot product of one packed Q8_0 row with float32 activations: Σ over 32-weight blocks of
/// scale × Σ qᵢ·xᵢ. Bytes are widened to floats in registers, so memory traffic stays ~1.1 bytes per weight.
/// </summary>
public static unsafe class Q8_0Dot
{
    public static float Row(sbyte* q, float* scales, float* x, int columns)
    {
        int blocks = columns / PackedWeight.BlockSize;
        if (Avx512F.IsSupported)
        {
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = Vector512<float>.Zero;
            for (int b = 0; b < blocks; b++, q += 32, x += 32)
            {
                var scale = Vector512.Create(scales[b]);
                acc0 = Vector512.FusedMultiplyAdd(scale * Widen16(q), Vector512.Load(x), acc0);
                acc1 = Vector512.FusedMultiplyAdd(scale * Widen16(q + 16), Vector512.Load(x + 16), acc1);
            }
            return Vector512.Sum(acc0 + acc1);
        }
        if (Avx2.IsSupported)
        {
            var acc = Vector256<float>.Zero;
            for (int b = 0; b < blocks; b++, q += 32, x += 32)
            {
                var scale = Vector256.Create(scales[b]);
                for (int i = 0; i < 32; i += 8)
                    acc = Vector256.FusedMultiplyAdd(scale * Widen8(q + i), Vector256.Load(x + i), acc);
            }
            return Vector256.Sum(acc);
        }
        float total = 0;
        for (int b = 0; b < blocks; b++)
        {
            float s = 0;
            for (int i = 0; i < 32; i++) s += q[b * 32 + i] * x[b * 32 + i];
            total += scales[b] * s;
        }
        return total;
    }

    /// <summary>16 signed bytes widened to floats (AVX-512F).</summary>
    internal static Vector512<float> Widen16(sbyte* q) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q)));

    /// <summary>8 signed bytes widened to floats (AVX2).</summary>
    internal static Vector256<float> Widen8(sbyte* q) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q));
}
