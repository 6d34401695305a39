using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q5_0: F16 d, a 32-bit little-endian mask whose bit j is value j's fifth bit, then 16 bytes of nibbles as in Q4_0;
/// value = d·((nibble | bit·16) − 16).
/// </summary>
internal unsafe struct Q5_0Block : ILegacyBlock
{
    public static int Bytes => 2 + 4 + 16;
    public static bool Signed => false;
    public static bool HasMin => false;
    public static int Offset => 16;
    public static int NibbleOffset => -1;
    public static int FifthBitsAt => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Values(byte* block) => FiveBits(block + 2).AsSByte();

    public static int Sum(byte* block, sbyte* x) => FiveBitSum(block + 2, x, 16);

    /// <summary>The 32 five-bit values (0–31) of a mask followed by 16 bytes of nibbles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> FiveBits(byte* qhAndQs) =>
        SimdBytes.Nibbles(qhAndQs + 4) | (SimdBytes.BitsToBytes(Unsafe.ReadUnaligned<uint>(qhAndQs)) & Vector256.Create((byte)0x10));

    /// <summary>Σ (v − <paramref name="offset"/>)·x over the five-bit values of a mask followed by 16 bytes of nibbles.</summary>
    internal static int FiveBitSum(byte* qhAndQs, sbyte* x, int offset)
    {
        uint qh = Unsafe.ReadUnaligned<uint>(qhAndQs);
        byte* qs = qhAndQs + 4;
        int sum = 0;
        for (int j = 0; j < 16; j++)
        {
            int lo = (qs[j] & 0x0F) | (int)(qh >> j & 1) << 4, hi = (qs[j] >> 4) | (int)(qh >> (j + 16) & 1) << 4;
            sum += (lo - offset) * x[j] + (hi - offset) * x[j + 16];
        }
        return sum;
    }
}
