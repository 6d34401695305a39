using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>Q5_1: F16 d, F16 m, then Q5_0's mask and nibbles; value = d·(nibble | bit·16) + m.</summary>
internal unsafe struct Q5_1Block : ILegacyBlock
{
    public static int Bytes => 4 + 4 + 16;
    public static bool Signed => false;
    public static bool HasMin => true;
    public static int Offset => 0;
    public static int NibbleOffset => -1;
    public static int FifthBitsAt => 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Values(byte* block) => Q5_0Block.FiveBits(block + 4).AsSByte();

    public static int Sum(byte* block, sbyte* x) => Q5_0Block.FiveBitSum(block + 4, x, 0);
}
