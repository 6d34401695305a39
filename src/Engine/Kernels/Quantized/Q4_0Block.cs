using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>Q4_0: F16 d, then 16 bytes (byte j: value j in the low nibble, j + 16 in the high); value = d·(nibble − 8).</summary>
internal unsafe struct Q4_0Block : ILegacyBlock
{
    public static int Bytes => 2 + 16;
    public static bool Signed => false;
    public static bool HasMin => false;
    public static int Offset => 8;
    public static int NibbleOffset => 2;
    public static int FifthBitsAt => -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Values(byte* block) => SimdBytes.Nibbles(block + 2).AsSByte();

    public static int Sum(byte* block, sbyte* x) => NibbleSum(block + 2, x, 8);

    /// <summary>Σ (nibble − <paramref name="offset"/>)·x over 16 bytes of nibbles.</summary>
    internal static int NibbleSum(byte* qs, sbyte* x, int offset)
    {
        int sum = 0;
        for (int j = 0; j < 16; j++)
            sum += ((qs[j] & 0x0F) - offset) * x[j] + ((qs[j] >> 4) - offset) * x[j + 16];
        return sum;
    }
}
