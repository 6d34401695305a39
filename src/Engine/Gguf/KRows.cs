using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
            Store(raw & nibble, 0, d * KScales.Byte(scales, 2 * g), min * KScales.Byte(mins, 2 * g), y, sameHalves: true, 0, 0);
            Store(Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble, 0,
                d * KScales.Byte(scales, 2 * g + 1), min * KScales.Byte(mins, 2 * g + 1), y + 32, sameHalves: true, 0, 0);
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
                Store(q, 32, d * sc[2 * k], 0, y + 32 * k, sameHalves: false, d * sc[2 * k + 1], 0);
            }
        }
    }

    /// <summary>
    /// 32 values y = scale·(q − bias) − min, in order: one scale and minimum for all 32 (<paramref name="sameHalves"/>) or
    /// the second pair for the last 16. q − bias converts to float exactly, so this is the scalar formula's arithmetic.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector256<byte> q, int bias, float scale, float min, float* y, bool sameHalves, float scale2, float min2)
    {
        var offset = Vector256.Create(bias);
        Vector256<float> s1 = Vector256.Create(scale), m1 = Vector256.Create(min);
        Vector256<float> s2 = sameHalves ? s1 : Vector256.Create(scale2), m2 = sameHalves ? m1 : Vector256.Create(min2);
        var low = q.GetLower();
        var high = q.GetUpper();
        (s1 * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(low) - offset) - m1).Store(y);
        (s1 * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(low, 8)) - offset) - m1).Store(y + 8);
        (s2 * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(high) - offset) - m2).Store(y + 16);
        (s2 * Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(high, 8)) - offset) - m2).Store(y + 24);
    }
}
