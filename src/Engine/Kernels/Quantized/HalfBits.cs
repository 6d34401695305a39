using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// F16 block scales read as float32 without a floating-point operation on a subnormal: a normal half's exponent is
/// rebiased in the integers, a subnormal's mantissa (exact as an int) is converted and scaled by 2⁻²⁴. Equals
/// <c>(float)Half</c> for every finite half (scales are never Inf/NaN) at a fraction of its cost, which matters once
/// per 32 weights. The shortcut of shifting the bits in and multiplying by 2¹¹² made every subnormal half a float32
/// denormal input, which x86 cores take through a microcode assist costing ~100 cycles; K-quant super-block scales
/// of real weights (Q6_K's d ≈ 2·10⁻⁵) sit mostly below 2⁻¹⁴, where halves are subnormal.
/// </summary>
internal static unsafe class HalfBits
{
    /// <summary>2⁻²⁴, a subnormal half's unit, folded by the JIT to a constant (a static field would leave an initialization test in kernels compiled before it was set).</summary>
    static float TwoToMinus24
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BitConverter.Int32BitsToSingle((127 - 24) << 23);
    }

    /// <summary>What rebiases a half's exponent (bias 15) to float32's (bias 127), in place in the shifted bits.</summary>
    const uint Rebias = (127 - 15) << 23;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(byte* p) => ToSingle(Unsafe.ReadUnaligned<ushort>(p));

    /// <summary>A finite half's bits as float32 (Inf and NaN come out as large finite numbers: callers that may meet them test first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(uint h)
    {
        // a branch, not both paths computed: a tensor's scales are mostly normal or mostly subnormal, so it is predicted
        if ((h & 0x7C00) != 0) return BitConverter.UInt32BitsToSingle(((h & 0x7FFF) << 13) + Rebias | (h & 0x8000) << 16);
        return Subnormal(h);
    }

    /// <summary>A subnormal half (or ±0): its mantissa, exact as an int, times 2⁻²⁴, which is never a float32 denormal.</summary>
    // inlined: a call anywhere in a kernel (here, its tail's blocks) made the JIT keep the vector accumulators on the
    // stack for the whole loop, as no vector register survives a call; a store and reload each turn was the Q4_0 row's limit
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Subnormal(uint h) =>
        BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits((int)(h & 0x3FF) * TwoToMinus24) | (h & 0x8000) << 16);

    /// <summary>The F16 values at four addresses, as <see cref="ToSingle(byte*)"/> reads each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(byte* p0, byte* p1, byte* p2, byte* p3) => ToSingle(Vector128.Create(
        Unsafe.ReadUnaligned<ushort>(p0), Unsafe.ReadUnaligned<ushort>(p1), Unsafe.ReadUnaligned<ushort>(p2), (uint)Unsafe.ReadUnaligned<ushort>(p3))
        .ToVector256Unsafe()).GetLower();

    /// <summary>The F16 values at eight addresses <paramref name="stride"/> bytes apart from <paramref name="p"/> (eight blocks' scales), as <see cref="ToSingle(byte*)"/> reads each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ToSingle8(byte* p, int stride) =>
        stride == Stride18 && Avx512Vbmi.IsSupported ? ToSingle8Stride18(p) : ToSingle8Gathered(p, stride);

    /// <summary><see cref="ToSingle8"/> on any AVX2 CPU: eight loads into one vector, each lane converted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> ToSingle8Gathered(byte* p, int stride) => ToSingle(Vector256.Create(
        Unsafe.ReadUnaligned<ushort>(p), Unsafe.ReadUnaligned<ushort>(p + stride), Unsafe.ReadUnaligned<ushort>(p + 2 * stride),
        Unsafe.ReadUnaligned<ushort>(p + 3 * stride), Unsafe.ReadUnaligned<ushort>(p + 4 * stride), Unsafe.ReadUnaligned<ushort>(p + 5 * stride),
        Unsafe.ReadUnaligned<ushort>(p + 6 * stride), (uint)Unsafe.ReadUnaligned<ushort>(p + 7 * stride)));

    /// <summary>Q4_0's block size: eight of its scales lie within 128 bytes, two vectors' worth for one byte permute.</summary>
    const int Stride18 = 18;

    /// <summary>
    /// <see cref="ToSingle8"/> for halves 18 bytes apart (reads 128 bytes): gathered by one two-vector byte permute, not
    /// eight scalar loads and inserts; and when none is a nonzero subnormal, converted by shifting the bits into place
    /// without rebiasing the exponent (the value times 2⁻¹¹², a normal float32 or zero, so exact) and one multiply by 2¹¹².
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ToSingle8Stride18(byte* p)
    {
        var bytes = Avx512Vbmi.PermuteVar64x8x2(Vector512.Load(p), Stride18Index, Vector512.Load(p + 64));
        var halves = Avx2.ConvertToVector256Int32(bytes.GetLower().GetLower().AsInt16());   // sign-extended
        var tiny = (halves & Vector256.Create(0x7FFF)) - Vector256<int>.One;   // below 0x3FF only for nonzero subnormals
        if (Vector256.LessThanAny(tiny.AsUInt32(), Vector256.Create(0x3FFu))) return ToSingle((halves & Vector256.Create(0xFFFF)).AsUInt32());
        var unbiased = Vector256.ShiftLeft(halves, 13) & Vector256.Create(unchecked((int)0x8FFFE000));   // sign and 15 bits
        return unbiased.AsSingle() * Vector256.Create(TwoTo112);
    }

    /// <summary>2¹¹², what rebiases a half's exponent (bias 15) to float32's (bias 127) as a factor.</summary>
    static float TwoTo112
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BitConverter.Int32BitsToSingle((127 + 112) << 23);
    }

    /// <summary>Bytes 18·i and 18·i + 1 (i = 0…7) of two 64-byte vectors, in the first 16 bytes.</summary>
    static Vector512<byte> Stride18Index
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create((byte)0, 1, 18, 19, 36, 37, 54, 55, 72, 73, 90, 91, 108, 109, 126, 127,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /// <summary>Eight halves' bits (one per lane) as float32, both paths computed and one selected per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> ToSingle(Vector256<uint> h)
    {
        var magnitude = h & Vector256.Create(0x7FFFu);
        var normal = Vector256.ShiftLeft(magnitude, 13) + Vector256.Create(Rebias);
        var subnormal = Vector256.ConvertToSingle(magnitude.AsInt32()) * Vector256.Create(TwoToMinus24);
        var isSubnormal = Vector256.Equals(h & Vector256.Create(0x7C00u), Vector256<uint>.Zero);
        var value = Vector256.ConditionalSelect(isSubnormal.AsSingle(), subnormal, normal.AsSingle());
        return (value.AsUInt32() | Vector256.ShiftLeft(h & Vector256.Create(0x8000u), 16)).AsSingle();
    }
}
