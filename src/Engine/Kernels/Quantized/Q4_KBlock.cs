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
        // Written out for the four groups (the JIT does not unroll loops): constant offsets, and two accumulators so
        // the multiply-adds of one block do not wait on each other.
        var even = Group(Vector256<int>.Zero, block + 16, x, spread, 0);
        var odd = Group(Vector256<int>.Zero, block + 48, x + 64, spread, 1);
        even = Group(even, block + 80, x + 128, spread, 2);
        odd = Group(odd, block + 112, x + 192, spread, 3);
        return (even + odd, MinSums(mins, groupSums));
    }

    /// <summary><paramref name="acc"/> + group <paramref name="g"/>'s 64 values (32 bytes of nibbles at <paramref name="qs"/>) times x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Group(Vector256<int> acc, byte* qs, sbyte* x, Vector256<short> spread, int g)
    {
        var (lo, hi) = Unpack(qs);
        return SubBlockPair(acc, lo, hi, x, spread, g);
    }

    /// <summary>A group's 32 bytes split into sub-block 2g (the low nibbles) and 2g+1 (the high ones).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<byte> Lo, Vector256<byte> Hi) Unpack(byte* qs)
    {
        var raw = Vector256.Load(qs);
        var nibble = Vector256.Create((byte)0x0F);
        return (raw & nibble, Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble);
    }

    /// <summary><paramref name="acc"/> + Σ sc·Σ q·x for sub-blocks 2g (values <paramref name="lo"/>) and 2g+1 (<paramref name="hi"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> SubBlockPair(Vector256<int> acc, Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<short> spread, int g) =>
        SubBlockPair(acc, lo, hi, x, SimdBytes.Broadcast(spread, 2 * g), SimdBytes.Broadcast(spread, 2 * g + 1));

    /// <inheritdoc cref="SubBlockPair(Vector256{int}, Vector256{byte}, Vector256{byte}, sbyte*, Vector256{short}, int)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> SubBlockPair(Vector256<int> acc, Vector256<byte> lo, Vector256<byte> hi, sbyte* x, Vector256<short> loScale, Vector256<short> hiScale) =>
        SimdBytes.AddScaled(SimdBytes.AddScaled(acc, Avx2.MultiplyAddAdjacent(lo, Vector256.Load(x)), loScale),
            Avx2.MultiplyAddAdjacent(hi, Vector256.Load(x + 32)), hiScale);

    // inlined: as a call it made the batched kernel keep its accumulators on the stack across every block
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount
    {
        var (scales, mins) = KScales.ScalesAndMins(block + 4);
        var spread = SimdBytes.Spread(scales);
        Vector256<int> dot0 = Vector256<int>.Zero, dot1 = dot0, dot2 = dot0, dot3 = dot0;
        RowsGroup<TRows>(block + 16, x, stride, spread, 0, ref dot0, ref dot1, ref dot2, ref dot3);
        RowsGroup<TRows>(block + 48, x + 64, stride, spread, 1, ref dot0, ref dot1, ref dot2, ref dot3);
        RowsGroup<TRows>(block + 80, x + 128, stride, spread, 2, ref dot0, ref dot1, ref dot2, ref dot3);
        RowsGroup<TRows>(block + 112, x + 192, stride, spread, 3, ref dot0, ref dot1, ref dot2, ref dot3);
        (dots[0], dots[1], dots[2], dots[3]) = (dot0, dot1, dot2, dot3);
        for (int i = 0; i < TRows.Count; i++) minDots[i] = MinSums(mins, (short*)((byte*)groupSums + i * stride));
    }

    /// <summary>Group <paramref name="g"/>, unpacked once, times each row of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowsGroup<TRows>(byte* qs, sbyte* x, int stride, Vector256<short> spread, int g,
        ref Vector256<int> dot0, ref Vector256<int> dot1, ref Vector256<int> dot2, ref Vector256<int> dot3) where TRows : struct, IRowCount
    {
        var (lo, hi) = Unpack(qs);
        var loScale = SimdBytes.Broadcast(spread, 2 * g);
        var hiScale = SimdBytes.Broadcast(spread, 2 * g + 1);
        dot0 = SubBlockPair(dot0, lo, hi, x, loScale, hiScale);
        dot1 = SubBlockPair(dot1, lo, hi, x + stride, loScale, hiScale);
        if (TRows.Count > 2) dot2 = SubBlockPair(dot2, lo, hi, x + 2 * stride, loScale, hiScale);
        if (TRows.Count > 3) dot3 = SubBlockPair(dot3, lo, hi, x + 3 * stride, loScale, hiScale);
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
