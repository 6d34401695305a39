using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>Q5_1: F16 d, F16 m, then Q5_0's mask and nibbles; value = d·(nibble | bit·16) + m.</summary>
internal unsafe struct Q5_1Block : ILegacyBlock
{
    public static int Bytes => 4 + 4 + 16;
    public static bool HasMin => true;

    public static Vector256<int> Sums(byte* block, sbyte* x) => SimdBytes.MulSum(Q5_0Block.FiveBits(block + 4), Vector256.Load(x));

    public static int Sum(byte* block, sbyte* x) => Q5_0Block.FiveBitSum(block + 4, x, 0);
}
