using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// AVX2 building blocks of the integer dots. <c>vpmaddubsw</c> multiplies unsigned by signed bytes and adds
/// adjacent pairs into saturating shorts; every caller keeps |pair| ≤ 2·128·127 &lt; 32768, so nothing saturates.
/// </summary>
internal static class SimdBytes
{
    /// <summary>Σ u·s over 32 byte pairs, as 8 int partial sums (each of 4 adjacent products).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulSum(Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u, s)   // vpdpbusd: one instruction, the same sums
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256<short>.One);

    /// <summary><paramref name="acc"/> + <see cref="MulSum(Vector256{byte}, Vector256{sbyte})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulSum(Vector256<int> acc, Vector256<byte> u, Vector256<sbyte> s) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(acc, u, s)
            : acc + Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256<short>.One);

    /// <summary>
    /// Σ u1·s1 + u2·s2 over 32 byte pairs each, as 8 ints (each lane the sum <see cref="MulSum(Vector256{byte}, Vector256{sbyte})"/>
    /// gives for both), for unsigned bytes below 16 (nibbles): then both products' short sums add without saturating
    /// (|sum| ≤ 2·2·15·128), and one widening to ints serves both where the CPU lacks VNNI.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulSum(Vector256<byte> u1, Vector256<sbyte> s1, Vector256<byte> u2, Vector256<sbyte> s2) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(Vector256<int>.Zero, u1, s1), u2, s2)
            : Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u1, s1) + Avx2.MultiplyAddAdjacent(u2, s2), Vector256<short>.One);

    /// <summary><paramref name="acc"/> + adjacent pairs of <paramref name="pairs"/>·<paramref name="scales"/> (shorts), as 8 ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> AddScaled(Vector256<int> acc, Vector256<short> pairs, Vector256<short> scales) =>
        AvxVnni.IsSupported
            ? AvxVnni.MultiplyWideningAndAdd(acc, pairs, scales)   // vpdpwssd: the multiply and the add in one
            : acc + Avx2.MultiplyAddAdjacent(pairs, scales);

    /// <summary>Pairs of byte products (shorts) times a scale per 16 values (one per 128-bit lane), as 8 ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Scale16(Vector256<short> pairs, int lowScale, int highScale) =>
        Avx2.MultiplyAddAdjacent(pairs, Vector256.Create(Vector128.Create((short)lowScale), Vector128.Create((short)highScale)));

    /// <summary>16 bytes as two 128-bit lanes: the low nibbles (values 0–15 of a legacy block), then the high nibbles (16–31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Nibbles(byte* qs)
    {
        var packed = Vector128.Load(qs);
        return Vector256.Create(packed, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte()) & Vector256.Create((byte)0x0F);
    }

    /// <summary>Byte i is 0xFF where bit i of <paramref name="bits"/> is set, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> BitsToBytes(uint bits)
    {
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(), Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var select = Vector256.Create(0x8040201008040201UL).AsByte();
        return Avx2.CompareEqual(spread & select, select);
    }

    /// <summary>8 ints to floats, times <paramref name="scale"/>, added to <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleAdd(float scale, Vector256<int> sums, Vector256<float> acc) =>
        ScaleAdd(Vector256.Create(scale), sums, acc);

    /// <summary>32 signed bytes as four vectors of 8 floats, in order (every value exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) ToSingles(Vector256<sbyte> q)
    {
        var low = q.GetLower();
        var high = q.GetUpper();
        return (Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(low)),
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(low, 8))),
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(high)),
            Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Sse2.ShiftRightLogical128BitLane(high, 8))));
    }

    /// <summary>8 ints to floats, times <paramref name="scales"/>, added to <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleAdd(Vector256<float> scales, Vector256<int> sums, Vector256<float> acc) =>
        Fma.MultiplyAdd(scales, Avx.ConvertToVector256Single(sums), acc);

    /// <summary>The horizontal sums of four vectors, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sum4(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        // [a0+a1, a2+a3, b0+b1, b2+b3 | a4+a5, …] then [Σa0..3, Σb0..3, Σc0..3, Σd0..3 | Σa4..7, …]
        var quarters = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return quarters.GetLower() + quarters.GetUpper();
    }

    /// <summary>
    /// The <c>vpshufb</c> mask that copies short <paramref name="i"/> of a 128-bit lane into all eight of its shorts: bytes
    /// 2i and 2i+1, repeated. Computed, not read from a table: callers pass constants, so the JIT emits each mask as
    /// constant data (a table in a static field left an initialization test in kernels compiled before it was set).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector128<byte> ShortMask(int i) => Vector128.Create((ushort)(2 * i | (2 * i + 1) << 8)).AsByte();

    /// <summary>
    /// Short <paramref name="low"/> of <paramref name="spread"/>'s low lane in every short of the low lane, short
    /// <paramref name="high"/> of its high lane in the high lane: per-sub-block scales from one widened vector, a
    /// shuffle each instead of a move and broadcast from a scalar.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Broadcast(Vector256<short> spread, int low, int high) =>
        Avx2.Shuffle(spread.AsByte(), Vector256.Create(ShortMask(low), ShortMask(high))).AsInt16();

    /// <summary>Short <paramref name="i"/> of each lane of <paramref name="spread"/> in every short of that lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Broadcast(Vector256<short> spread, int i) =>
        Avx2.Shuffle(spread.AsByte(), Vector256.Create(ShortMask(i), ShortMask(i))).AsInt16();

    /// <summary>Eight unsigned bytes widened to shorts, in both 128-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> Spread(ulong bytes) => Both(Sse41.ConvertToVector128Int16(Vector128.CreateScalar(bytes).AsByte()));

    /// <summary>Eight signed bytes at <paramref name="p"/> widened to shorts, in both 128-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<short> Spread(sbyte* p) => Both(Sse41.ConvertToVector128Int16(p));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<short> Both(Vector128<short> lane) => Vector256.Create(lane, lane);
}
