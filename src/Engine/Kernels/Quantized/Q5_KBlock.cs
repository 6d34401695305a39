using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q5_K: Q4_K's layout with 32 bytes qh after the scales; bit 2g (2g+1) of qh[l] is the fifth bit of byte l's low
/// (high) nibble in group g.
/// </summary>
internal unsafe struct Q5_KBlock : IKBlock
{
    public static int Bytes => 4 + 12 + 32 + 128;
    public static int ScaleOffset => 0;
    public static int MinOffset => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums)
    {
        var (scales, mins) = KScales.ScalesAndMins(block + 4);
        var spread = SimdBytes.Spread(scales);
        var nibble = Vector256.Create((byte)0x0F);
        var fifth = Vector256.Create((byte)0x10);
        var qh = Vector256.Load(block + 16).AsUInt16();
        var dot = Vector256<int>.Zero;
        // qh moves down two bits per group, so its bits 0 and 1 are always the ones wanted.
        for (int g = 0; g < 4; g++, qh = Vector256.ShiftRightLogical(qh, 2))
        {
            var raw = Vector256.Load(block + 48 + 32 * g);
            var lo = (raw & nibble) | (Vector256.ShiftLeft(qh, 4).AsByte() & fifth);
            var hi = (Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble) | (Vector256.ShiftLeft(qh, 3).AsByte() & fifth);
            dot = Q4_KBlock.SubBlockPair(dot, lo, hi, x + 64 * g, spread, g);
        }
        return (dot, Q4_KBlock.MinSums(mins, groupSums));
    }

    // inlined: as a call it made the batched kernel keep its accumulators on the stack across every block
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount
    {
        for (int i = 0; i < TRows.Count; i++)
            (dots[i], minDots[i]) = Sums(block, x + i * stride, (short*)((byte*)groupSums + i * stride));
    }

    public static (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums) =>
        Q4_KBlock.ScalarSums(block + 48, block + 16, block + 4, x, groupSums);
}
