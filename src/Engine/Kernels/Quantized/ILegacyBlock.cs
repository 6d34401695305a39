using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// A 32-value weight format whose block is an F16 scale d (and, with <see cref="HasMin"/>, an F16 minimum m at byte
/// 2) over integers q, value = d·q (+ m). Its dot with an activation block is d·d_x·Σ q·q_x (+ m·d_x·Σ q_x); the
/// integers are all a format supplies, <see cref="LegacyKernel{T}"/> does the rest.
/// </summary>
internal unsafe interface ILegacyBlock
{
    static abstract int Bytes { get; }

    /// <summary>Whether the block has a minimum, so it pairs with Q8_1 activations (which carry d_x·Σ q_x).</summary>
    static abstract bool HasMin { get; }

    /// <summary>
    /// The block's 32 integers (AVX2): signed q when the type has no minimum, else unsigned (0–31), so
    /// <see cref="LegacyKernel{T}"/> pairs them with the activations by the cheaper unsigned × signed product.
    /// </summary>
    static abstract Vector256<sbyte> Values(byte* block);

    /// <summary>Σ q·x over the block (scalar).</summary>
    static abstract int Sum(byte* block, sbyte* x);
}
