using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// A 32-value weight format whose block is an F16 scale d over integers q: value = d·q for Q8_0 (<see cref="Signed"/>),
/// else d·u + m with unsigned u and m an F16 minimum at byte 2 (<see cref="HasMin"/>) or −<see cref="Offset"/>·d.
/// Its dot with an activation block is d·d_x·Σ q·q_x, plus m·d_x·Σ q_x for the unsigned ones (Q8_1 activations carry
/// d_x·Σ q_x); the integers are all a format supplies, <see cref="LegacyKernel{T}"/> does the rest.
/// </summary>
internal unsafe interface ILegacyBlock
{
    static abstract int Bytes { get; }

    /// <summary>Whether the integers are signed (Q8_0, paired with Q8_0 activations); the others are unsigned, paired with Q8_1.</summary>
    static abstract bool Signed { get; }

    /// <summary>Whether the block stores a minimum m (at byte 2).</summary>
    static abstract bool HasMin { get; }

    /// <summary>For unsigned integers without a stored minimum: the integer that stands for 0 (m = −Offset·d).</summary>
    static abstract int Offset { get; }

    /// <summary>
    /// The block's 32 integers (AVX2): signed for <see cref="Signed"/> types, else unsigned (0–31), which pair with the
    /// activations by the cheaper unsigned × signed byte product.
    /// </summary>
    static abstract Vector256<sbyte> Values(byte* block);

    /// <summary>
    /// Where the block's 16 bytes of nibbles start when its integers are exactly those nibbles (byte j: value j low, j + 16
    /// high; Q4_0, Q4_1), else −1: two blocks then share one vector in <see cref="LegacyKernel{T}.Simd"/>.
    /// </summary>
    static abstract int NibbleOffset { get; }

    /// <summary>
    /// Where the block's 32-bit mask of fifth bits lies (Q5_0, Q5_1: its 16 bytes of nibbles follow it), else −1.
    /// </summary>
    static abstract int FifthBitsAt { get; }

    /// <summary>Σ (q or u − Offset)·x over the block (scalar; a stored minimum is added by the caller).</summary>
    static abstract int Sum(byte* block, sbyte* x);
}
