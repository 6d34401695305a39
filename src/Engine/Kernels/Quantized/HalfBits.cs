using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// F16 block scales read as float32 with integer ops: the half's exponent and mantissa shifted into a float32 are the
/// value times 2⁻¹¹², subnormals included, so one multiply by 2¹¹² is exact (and keeps the sign). Equals <c>(float)Half</c> for every
/// finite half (scales are never Inf/NaN) at a fraction of its cost, which matters once per 32 weights.
/// </summary>
internal static unsafe class HalfBits
{
    /// <summary>2¹¹², folded by the JIT to a constant (a static field would leave an initialization test in kernels compiled before it was set).</summary>
    static float TwoTo112
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => BitConverter.Int32BitsToSingle((127 + 112) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(byte* p) => ToSingle(Unsafe.ReadUnaligned<ushort>(p));

    /// <summary>A finite half's bits as float32 (Inf and NaN come out as large finite numbers: callers that may meet them test first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(uint h) =>
        // The sign goes straight to float32's sign bit; scaling by a power of two keeps it.
        BitConverter.UInt32BitsToSingle((h & 0x8000) << 16 | (h & 0x7FFF) << 13) * TwoTo112;

    /// <summary>The F16 values at four addresses, as <see cref="ToSingle(byte*)"/> reads each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ToSingle(byte* p0, byte* p1, byte* p2, byte* p3)
    {
        var h = Vector128.Create(Unsafe.ReadUnaligned<ushort>(p0), Unsafe.ReadUnaligned<ushort>(p1), Unsafe.ReadUnaligned<ushort>(p2), (uint)Unsafe.ReadUnaligned<ushort>(p3));
        var bits = Vector128.ShiftLeft(h & Vector128.Create(0x8000u), 16) | Vector128.ShiftLeft(h & Vector128.Create(0x7FFFu), 13);
        return bits.AsSingle() * Vector128.Create(TwoTo112);
    }
}
