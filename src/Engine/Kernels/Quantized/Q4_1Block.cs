using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>Q4_1: F16 d, F16 m, then 16 bytes of nibbles as in Q4_0; value = d·nibble + m.</summary>
internal unsafe struct Q4_1Block : ILegacyBlock
{
    public static int Bytes => 4 + 16;
    public static bool Signed => false;
    public static bool HasMin => true;
    public static int Offset => 0;
    public static int NibbleOffset => 4;
    public static int FifthBitsAt => -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Values(byte* block) => SimdBytes.Nibbles(block + 4).AsSByte();

    public static int Sum(byte* block, sbyte* x) => Q4_0Block.NibbleSum(block + 4, x, 0);
}
