using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q3_K: hmask[32], qs[64], 12 bytes of packed 6-bit scales (stored +32, one per 16 values), F16 d. Value
/// 128h + 32k + l (l &lt; 32) is bits 2k, 2k+1 of qs[32h + l], less 4 where bit 4h + k of hmask[l] is clear; times
/// d·(scale − 32).
/// </summary>
internal unsafe struct Q3_KBlock : IKBlock
{
    public static int Bytes => 32 + 64 + 12 + 2;
    public static int ScaleOffset => 108;
    public static int MinOffset => -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums)
    {
        var (low8, high8) = KScales.Q3(block + 96);
        var crumb = Vector256.Create((byte)3);
        var four = Vector256.Create((byte)4);
        var hmask = Vector256.Load(block);
        var dot = Vector256<int>.Zero;
        for (int half = 0; half < 2; half++)
        {
            var raw = Vector256.Load(block + 32 + 32 * half).AsUInt16();
            var scales = half == 0 ? low8 : high8;
            for (int k = 0; k < 4; k++, x += 32)
            {
                var q = Vector256.ShiftRightLogical(raw, (byte)(2 * k)).AsByte() & crumb;
                var bit = Vector256.Create((byte)(1 << (4 * half + k)));
                var minus4 = Avx2.CompareEqual(hmask & bit, Vector256<byte>.Zero) & four;
                var xs = Vector256.Load(x);
                var pairs = Avx2.MultiplyAddAdjacent(q, xs) - Avx2.MultiplyAddAdjacent(minus4, xs);
                dot += SimdBytes.Scale16(pairs, KScales.Byte(scales, 2 * k) - 32, KScales.Byte(scales, 2 * k + 1) - 32);
            }
        }
        return (dot, default);
    }

    // inlined: as a call it made the batched kernel keep its accumulators on the stack across every block
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount
    {
        for (int i = 0; i < TRows.Count; i++)
            (dots[i], minDots[i]) = Sums(block, x + i * stride, (short*)((byte*)groupSums + i * stride));
    }

    public static (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums)
    {
        var (low8, high8) = KScales.Q3(block + 96);
        int dot = 0;
        for (int sub = 0; sub < 16; sub++, x += 16)
        {
            // Sub-block 8h + 2k + part: crumb k of qs[32h + 16·part + l], hmask bit 4h + k of hmask[16·part + l].
            int half = sub / 8, k = sub % 8 / 2, part = sub % 2, sum = 0;
            byte* qs = block + 32 + 32 * half + 16 * part, hm = block + 16 * part;
            for (int l = 0; l < 16; l++)
                sum += ((qs[l] >> (2 * k) & 3) - ((hm[l] >> (4 * half + k) & 1) != 0 ? 0 : 4)) * x[l];
            dot += (KScales.Byte(sub < 8 ? low8 : high8, sub % 8) - 32) * sum;
        }
        return (dot, 0);
    }
}
