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

    /// <summary>d, dmin, 12 bytes of 6-bit scale/min pairs, then four groups of 32 bytes: sub-block 2g in the low nibbles, 2g+1 in the high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Q4_K(byte* block, float* y)
    {
        float d = Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(block)), min = Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(block + 2));
        var (scales, mins) = KScales.ScalesAndMins(block + 4);
        var nibble = Vector256.Create((byte)0x0F);
        for (int g = 0; g < 4; g++, y += 64)
        {
            var raw = Vector256.Load(block + 16 + 32 * g);
            float scale = d * KScales.Byte(scales, 2 * g), m = min * KScales.Byte(mins, 2 * g);
            Store((raw & nibble).AsSByte(), scale, m, scale, m, y);
            scale = d * KScales.Byte(scales, 2 * g + 1);
            m = min * KScales.Byte(mins, 2 * g + 1);
            Store((Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble).AsSByte(), scale, m, scale, m, y + 32);
        }
    }

    /// <summary>ql[128], qh[64], 16 signed scales, d: each half of 128 values reads 64 ql bytes, 32 qh bytes and 8 scales.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Q6_K(byte* block, float* y)
    {
        float d = Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(block + 208));
        var nibble = Vector256.Create((byte)0x0F);
        var three = Vector256.Create((byte)3);
        byte* ql = block, qh = block + 128;
        sbyte* sc = (sbyte*)(block + 192);
        for (int half = 0; half < 2; half++, ql += 64, qh += 32, sc += 8, y += 128)
        {
            Vector256<byte> a = Vector256.Load(ql), b = Vector256.Load(ql + 32), h = Vector256.Load(qh);
            for (int k = 0; k < 4; k++)
            {
                // k: low nibbles of a, of b, then high nibbles of a, of b; the top two bits are qh's bits 2k, 2k+1
                var nibbles = (k & 1) == 0 ? a : b;
                nibbles = k < 2 ? nibbles & nibble : Vector256.ShiftRightLogical(nibbles.AsUInt16(), 4).AsByte() & nibble;
                var q = nibbles | Vector256.ShiftLeft((Vector256.ShiftRightLogical(h.AsUInt16(), (byte)(2 * k)).AsByte() & three).AsUInt16(), 4).AsByte();
                Store(q.AsSByte() - Vector256.Create((sbyte)32), d * sc[2 * k], 0, d * sc[2 * k + 1], 0, y + 32 * k);
            }
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
