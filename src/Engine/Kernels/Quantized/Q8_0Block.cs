using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>Q8_0: F16 d, then 32 signed bytes q; value = d·q.</summary>
internal unsafe struct Q8_0Block : ILegacyBlock
{
    public static int Bytes => 2 + 32;
    public static bool Signed => true;
    public static bool HasMin => false;
    public static int Offset => 0;
    public static int NibbleOffset => -1;
    public static int FifthBitsAt => -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<sbyte> Values(byte* block) => Vector256.Load((sbyte*)(block + 2));

    public static int Sum(byte* block, sbyte* x)
    {
        sbyte* q = (sbyte*)(block + 2);
        int sum = 0;
        for (int i = 0; i < 32; i++) sum += q[i] * x[i];
        return sum;
    }
}
