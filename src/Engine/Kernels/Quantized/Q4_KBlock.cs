using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q4_K: F16 d, F16 dmin, 12 bytes of packed 6-bit scale/min pairs for 8 sub-blocks of 32, then 128 bytes whose
/// 32-byte group g holds sub-block 2g in its low nibbles and 2g+1 in its high nibbles.
/// </summary>
internal unsafe struct Q4_KBlock : IKBlock
{
    public static int Bytes => 4 + 12 + 128;
    public static int ScaleOffset => 0;
    public static int MinOffset => 2;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums)
    {
        var (scales, mins) = KScales.ScalesAndMins(block + 4);
        var spread = SimdBytes.Spread(scales);
        var nibble = Vector256.Create((byte)0x0F);
        var dot = Vector256<int>.Zero;
        for (int g = 0; g < 4; g++)
        {
            var raw = Vector256.Load(block + 16 + 32 * g);
            var lo = raw & nibble;
            var hi = Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble;
            dot += SubBlockPair(lo, hi, x + 64 * g, spread, g);
        }
        return (dot, MinSums(mins, groupSums));
    }

    /// <summary>Σ sc·Σ q·x for sub-blocks 2g (values <paramref name="lo"/>) and 2g+1 (<paramref name="hi"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> SubBlockPair(Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<short> spread, int g) =>
        SubBlockPair(lo, hi, x, SimdBytes.Broadcast(spread, 2 * g), SimdBytes.Broadcast(spread, 2 * g + 1));

    /// <inheritdoc cref="SubBlockPair(Vector256{byte}, Vector256{byte}, sbyte*, Vector256{short}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> SubBlockPair(Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<short> loScale, Vector256<short> hiScale) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(lo, Vector256.Load(x)), loScale)
        + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(hi, Vector256.Load(x + 32)), hiScale);

    public static void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount
    {
        var (scales, mins) = KScales.ScalesAndMins(block + 4);
        var spread = SimdBytes.Spread(scales);
        var nibble = Vector256.Create((byte)0x0F);
        Vector256<int> dot0 = Vector256<int>.Zero, dot1 = dot0, dot2 = dot0, dot3 = dot0;
        for (int g = 0; g < 4; g++, x += 64)
        {
            var raw = Vector256.Load(block + 16 + 32 * g);
            var lo = raw & nibble;
            var hi = Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble;
            var loScale = SimdBytes.Broadcast(spread, 2 * g);
            var hiScale = SimdBytes.Broadcast(spread, 2 * g + 1);
            dot0 += SubBlockPair(lo, hi, x, loScale, hiScale);
            dot1 += SubBlockPair(lo, hi, x + stride, loScale, hiScale);
            if (TRows.Count > 2)
            {
                dot2 += SubBlockPair(lo, hi, x + 2 * stride, loScale, hiScale);
                dot3 += SubBlockPair(lo, hi, x + 3 * stride, loScale, hiScale);
            }
        }
        (dots[0], dots[1], dots[2], dots[3]) = (dot0, dot1, dot2, dot3);
        for (int i = 0; i < TRows.Count; i++) minDots[i] = MinSums(mins, (short*)((byte*)groupSums + i * stride));
    }

    /// <summary>Σ m_j·Σ x over the 8 sub-blocks of 32 (two 16-value sums each), as 8 int partials.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> MinSums(ulong mins, short* groupSums)
    {
        var pairSums = Avx2.MultiplyAddAdjacent(Vector256.Load(groupSums), Vector256<short>.One);
        return Avx2.MultiplyLow(pairSums, Avx2.ConvertToVector256Int32(Vector128.CreateScalar(mins).AsByte()));
    }

    public static (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums) => ScalarSums(block + 16, null, block + 4, x, groupSums);

    /// <summary>
    /// Scalar sums of a Q4_K block, or of a Q5_K one when <paramref name="qh"/> is given (bit 2g / 2g+1 of qh[l] is
    /// the fifth bit of byte l's low / high nibble in group g).
    /// </summary>
    internal static (int Dot, int MinDot) ScalarSums(byte* qs, byte* qh, byte* packedScales, sbyte* x, short* groupSums)
    {
        var (scales, mins) = KScales.ScalesAndMins(packedScales);
        int dot = 0, minDot = 0;
        for (int g = 0; g < 4; g++, qs += 32, x += 64)
        {
            int lo = 0, hi = 0;
            for (int l = 0; l < 32; l++)
            {
                lo += (qs[l] & 0x0F) * x[l];
                hi += (qs[l] >> 4) * x[l + 32];
            }
            if (qh != null)
                for (int l = 0; l < 32; l++)
                {
                    lo += (qh[l] >> (2 * g) & 1) * 16 * x[l];
                    hi += (qh[l] >> (2 * g + 1) & 1) * 16 * x[l + 32];
                }
            dot += KScales.Byte(scales, 2 * g) * lo + KScales.Byte(scales, 2 * g + 1) * hi;
        }
        for (int j = 0; j < 8; j++) minDot += KScales.Byte(mins, j) * (groupSums[2 * j] + groupSums[2 * j + 1]);
        return (dot, minDot);
    }
}
