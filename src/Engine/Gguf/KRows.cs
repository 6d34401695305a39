using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// Runs of Q4_K and Q6_K blocks to float32 in one AVX2 loop (the caller checks AVX2): what prefill does to every weight tile of a K-quant file
/// (<c>PackedMatmul</c>), where a delegate call, span slices and bounds checks per 256 values showed in profiles. Each
/// value is <see cref="KQuants"/>' arithmetic (d·sc, then times q, less d_min·m; never fused), so the bits are the same.
/// </summary>
internal static unsafe class KRows
{
    /// <summary>Whether <paramref name="type"/> has a loop here.</summary>
    public static bool Handles(GgmlType type) => type is GgmlType.Q4_K or GgmlType.Q6_K;

    /// <summary>Decodes <paramref name="blocks"/> blocks of <paramref name="type"/> (one of <see cref="Handles"/>) from <paramref name="src"/>.</summary>
    public static void Dequantize(GgmlType type, byte* src, float* dst, int blocks)
    {
        switch (type)
        {
            case GgmlType.Q4_K:
                for (int i = 0; i < blocks; i++, src += 144, dst += 256) Q4_K(src, dst);
                return;
            case GgmlType.Q6_K:
                for (int i = 0; i < blocks; i++, src += 210, dst += 256) Q6_K(src, dst);
                return;
            default:
                throw new ArgumentException($"no row loop for {type}", nameof(type));
        }
    }

    /// <summary>d, dmin, 12 bytes of 6-bit scale/min pairs, then four groups of 32 bytes split as the dot kernel splits them (<see cref="Q4_KBlock.Unpack"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Q4_K(byte* block, float* y)
    {
        float d = Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(block)), min = Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(block + 2));
        var (scales, mins) = KScales.ScalesAndMins(block + 4);
        for (int g = 0; g < 4; g++, y += 64)
        {
            var (lo, hi) = Q4_KBlock.Unpack(block + 16 + 32 * g);
            float scale = d * KScales.Byte(scales, 2 * g), m = min * KScales.Byte(mins, 2 * g);
            Store(lo.AsSByte(), scale, m, scale, m, y);
            scale = d * KScales.Byte(scales, 2 * g + 1);
            m = min * KScales.Byte(mins, 2 * g + 1);
            Store(hi.AsSByte(), scale, m, scale, m, y + 32);
        }
    }

    /// <summary>Each half of 128 values as the dot kernel unpacks it (<see cref="Q6_KBlock.Unpack"/>), less 32, with its 8 signed scales and d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Q6_K(byte* block, float* y)
    {
        float d = Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(block + 208));
        var offset = Vector256.Create((sbyte)32);
        for (int half = 0; half < 2; half++, y += 128)
        {
            sbyte* sc = (sbyte*)(block + 192) + 8 * half;
            var (q0, q1, q2, q3) = Q6_KBlock.Unpack(block, half);
            Store(q0.AsSByte() - offset, d * sc[0], 0, d * sc[1], 0, y);
            Store(q1.AsSByte() - offset, d * sc[2], 0, d * sc[3], 0, y + 32);
            Store(q2.AsSByte() - offset, d * sc[4], 0, d * sc[5], 0, y + 64);
            Store(q3.AsSByte() - offset, d * sc[6], 0, d * sc[7], 0, y + 96);
        }
    }

    /// <summary>
    /// 32 values y = scale·q − min in order, the first 16 with (<paramref name="scale1"/>, <paramref name="min1"/>), the
    /// last 16 with (<paramref name="scale2"/>, <paramref name="min2"/>): the scalar formula's arithmetic, q exact as a float.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector256<sbyte> q, float scale1, float min1, float scale2, float min2, float* y)
    {
        Vector256<float> s1 = Vector256.Create(scale1), m1 = Vector256.Create(min1), s2 = Vector256.Create(scale2), m2 = Vector256.Create(min2);
        var (v0, v1, v2, v3) = SimdBytes.ToSingles(q);
        (s1 * v0 - m1).Store(y);
        (s1 * v1 - m1).Store(y + 8);
        (s2 * v2 - m2).Store(y + 16);
        (s2 * v3 - m2).Store(y + 24);
    }
}
