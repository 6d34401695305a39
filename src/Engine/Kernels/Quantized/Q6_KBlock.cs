using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q6_K: ql[128] low nibbles, qh[64] top bit pairs, 16 signed byte scales (one per 16 values), F16 d;
/// value = d·sc·(q − 32). Each half of 128 values reads 64 ql bytes and 32 qh bytes: value l + 32k (l &lt; 32) is
/// nibble k/2 of ql[l + 32·(k%2)] topped by bits 2k, 2k+1 of qh[l]. The −32 comes once per block from the
/// activations' 16-value sums: Σ sc·Σ q·x − 32·Σ sc·Σ x.
/// </summary>
internal unsafe struct Q6_KBlock : IKBlock
{
    public static int Bytes => 128 + 64 + 16 + 2;
    public static int ScaleOffset => 208;
    public static int MinOffset => -1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums)
    {
        // Both halves written out (the JIT does not unroll loops), each on its own accumulator.
        var first = Half(Vector256<int>.Zero, block, 0, x);
        var second = Half(Vector256<int>.Zero, block, 1, x + 128);
        return (first + second - Offset(groupSums, Scales(block)), default);
    }

    // inlined: as a call it made the batched kernel keep its accumulators on the stack across every block
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount
    {
        Vector256<int> dot0 = Vector256<int>.Zero, dot1 = dot0, dot2 = dot0, dot3 = dot0;
        RowsHalf<TRows>(block, 0, x, stride, ref dot0, ref dot1, ref dot2, ref dot3);
        RowsHalf<TRows>(block, 1, x + 128, stride, ref dot0, ref dot1, ref dot2, ref dot3);
        var scales = Scales(block);
        dots[0] = dot0 - Offset(groupSums, scales);
        dots[1] = dot1 - Offset((short*)((byte*)groupSums + stride), scales);
        if (TRows.Count > 2) dots[2] = dot2 - Offset((short*)((byte*)groupSums + 2 * stride), scales);
        if (TRows.Count > 3) dots[3] = dot3 - Offset((short*)((byte*)groupSums + 3 * stride), scales);
        for (int i = 0; i < TRows.Count; i++) minDots[i] = default;
    }

    /// <summary><paramref name="acc"/> + half <paramref name="half"/> of the block times its 128 values of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Half(Vector256<int> acc, byte* block, int half, sbyte* x)
    {
        var (q0, q1, q2, q3) = Unpack(block, half);
        var (s0, s1, s2, s3) = HalfScales(block, half);
        return Quarter(acc, q0, q1, q2, q3, s0, s1, s2, s3, x);
    }

    /// <summary>Half <paramref name="half"/> of the block, unpacked once, times each row of x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void RowsHalf<TRows>(byte* block, int half, sbyte* x, int stride,
        ref Vector256<int> dot0, ref Vector256<int> dot1, ref Vector256<int> dot2, ref Vector256<int> dot3) where TRows : struct, IRowCount
    {
        var (q0, q1, q2, q3) = Unpack(block, half);
        var (s0, s1, s2, s3) = HalfScales(block, half);
        dot0 = Quarter(dot0, q0, q1, q2, q3, s0, s1, s2, s3, x);
        dot1 = Quarter(dot1, q0, q1, q2, q3, s0, s1, s2, s3, x + stride);
        if (TRows.Count > 2) dot2 = Quarter(dot2, q0, q1, q2, q3, s0, s1, s2, s3, x + 2 * stride);
        if (TRows.Count > 3) dot3 = Quarter(dot3, q0, q1, q2, q3, s0, s1, s2, s3, x + 3 * stride);
    }

    /// <summary>The four 32-value quarters (values 0–63) of half <paramref name="half"/> of the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<byte>, Vector256<byte>, Vector256<byte>, Vector256<byte>) Unpack(byte* block, int half)
    {
        var nibble = Vector256.Create((byte)0x0F);
        var top = Vector256.Create((byte)0x30);
        byte* ql = block + 64 * half;
        var h = Vector256.Load(block + 128 + 32 * half).AsUInt16();
        var l0 = Vector256.Load(ql);
        var l1 = Vector256.Load(ql + 32);
        return ((l0 & nibble) | (Vector256.ShiftLeft(h, 4).AsByte() & top),
            (l1 & nibble) | (Vector256.ShiftLeft(h, 2).AsByte() & top),
            (Vector256.ShiftRightLogical(l0.AsUInt16(), 4).AsByte() & nibble) | (h.AsByte() & top),
            (Vector256.ShiftRightLogical(l1.AsUInt16(), 4).AsByte() & nibble) | (Vector256.ShiftRightLogical(h, 2).AsByte() & top));
    }

    /// <summary>The scales of each quarter of half <paramref name="half"/>, one per 128-bit lane (16 values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector256<short>, Vector256<short>, Vector256<short>, Vector256<short>) HalfScales(byte* block, int half)
    {
        // the half's 8 signed scales as shorts in both lanes; quarter k takes scale 2k in its low lane, 2k + 1 in its high
        var spread = SimdBytes.Spread((sbyte*)(block + 192) + 8 * half);
        return (SimdBytes.Broadcast(spread, 0, 1), SimdBytes.Broadcast(spread, 2, 3), SimdBytes.Broadcast(spread, 4, 5), SimdBytes.Broadcast(spread, 6, 7));
    }

    /// <summary>The 16 scales widened to shorts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<short> Scales(byte* block) => Avx2.ConvertToVector256Int16(Vector128.Load((sbyte*)(block + 192)));

    /// <summary><paramref name="acc"/> + Σ sc·Σ q·x over 128 values whose 32-value quarters are q0–q3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Quarter(Vector256<int> acc, Vector256<byte> q0, Vector256<byte> q1, Vector256<byte> q2, Vector256<byte> q3,
        Vector256<short> s0, Vector256<short> s1, Vector256<short> s2, Vector256<short> s3, sbyte* x) =>
        SimdBytes.AddScaled(SimdBytes.AddScaled(SimdBytes.AddScaled(SimdBytes.AddScaled(acc,
            Avx2.MultiplyAddAdjacent(q0, Vector256.Load(x)), s0),
            Avx2.MultiplyAddAdjacent(q1, Vector256.Load(x + 32)), s1),
            Avx2.MultiplyAddAdjacent(q2, Vector256.Load(x + 64)), s2),
            Avx2.MultiplyAddAdjacent(q3, Vector256.Load(x + 96)), s3);

    /// <summary>32·Σ sc·Σ x: the values' −32, taken once per block from the 16-value sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Offset(short* groupSums, Vector256<short> scales) =>
        Vector256.ShiftLeft(Avx2.MultiplyAddAdjacent(Vector256.Load(groupSums), scales), 5);

    public static (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums)
    {
        int dot = 0;
        for (int half = 0; half < 2; half++, x += 128)
        {
            byte* ql = block + 64 * half, qh = block + 128 + 32 * half;
            sbyte* sc = (sbyte*)(block + 192) + 8 * half;
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                dot += sc[s] * (((ql[l] & 0x0F) | (qh[l] & 3) << 4) - 32) * x[l]
                     + sc[s + 2] * (((ql[l + 32] & 0x0F) | (qh[l] >> 2 & 3) << 4) - 32) * x[l + 32]
                     + sc[s + 4] * (((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) - 32) * x[l + 64]
                     + sc[s + 6] * (((ql[l + 32] >> 4) | (qh[l] >> 6) << 4) - 32) * x[l + 96];
            }
        }
        return (dot, 0);
    }
}
