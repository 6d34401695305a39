using System.Runtime.CompilerServices;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// The 12-byte packed 6-bit scales of the K-quants, unpacked four bytes at a time. Byte j of a returned ulong is
/// sub-block j's value.
/// </summary>
internal static unsafe class KScales
{
    const uint Low6 = 0x3F3F3F3F, Low4 = 0x0F0F0F0F, Low2 = 0x03030303;

    /// <summary>
    /// Q4_K/Q5_K: 8 scales and 8 minimums. Sub-blocks 0–3 are the low 6 bits of bytes 0–3 (scale) and 4–7 (min);
    /// 4–7 take a nibble of bytes 8–11 and borrow the top 2 bits of bytes 0–3 (scale) and 4–7 (min).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (ulong Scales, ulong Mins) ScalesAndMins(byte* packed)
    {
        uint b0 = Unsafe.ReadUnaligned<uint>(packed), b4 = Unsafe.ReadUnaligned<uint>(packed + 4), b8 = Unsafe.ReadUnaligned<uint>(packed + 8);
        uint scalesHigh = (b8 & Low4) | (b0 >> 6 & Low2) << 4, minsHigh = (b8 >> 4 & Low4) | (b4 >> 6 & Low2) << 4;
        return ((b0 & Low6) | (ulong)scalesHigh << 32, (b4 & Low6) | (ulong)minsHigh << 32);
    }

    /// <summary>
    /// Q3_K: 16 scales stored +32. Scale i's low nibble is byte i (i &lt; 8) or the high nibble of byte i − 8; its top
    /// 2 bits are bits 2·(i/4) of byte 8 + i%4. Returned as raw 6-bit values (subtract 32 to use).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (ulong Scales0To7, ulong Scales8To15) Q3(byte* packed)
    {
        uint b0 = Unsafe.ReadUnaligned<uint>(packed), b4 = Unsafe.ReadUnaligned<uint>(packed + 4), top = Unsafe.ReadUnaligned<uint>(packed + 8);
        uint s0 = (b0 & Low4) | (top & Low2) << 4, s4 = (b4 & Low4) | (top >> 2 & Low2) << 4;
        uint s8 = (b0 >> 4 & Low4) | (top >> 4 & Low2) << 4, s12 = (b4 >> 4 & Low4) | (top >> 6 & Low2) << 4;
        return (s0 | (ulong)s4 << 32, s8 | (ulong)s12 << 32);
    }

    /// <summary>Byte <paramref name="j"/> of <paramref name="packed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Byte(ulong packed, int j) => (int)(packed >> (8 * j) & 0xFF);
}
