using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// A 256-value K-quant weight format: value = d·sc·q − dmin·m with small integer scales sc and minimums m per
/// sub-block, and F16 d (and dmin). Its dot with a Q8_K activation block is d·d_x·Σ sc·Σ q·q_x − dmin·d_x·Σ m·Σ q_x;
/// a format supplies the two integer sums (from the activations' 16-value sums for the second), and
/// <see cref="KKernel{T}"/> does the rest.
/// </summary>
internal unsafe interface IKBlock
{
    static abstract int Bytes { get; }

    /// <summary>Byte offset of the F16 d.</summary>
    static abstract int ScaleOffset { get; }

    /// <summary>Byte offset of the F16 dmin, or −1 for formats without minimums (their MinDot is unused).</summary>
    static abstract int MinOffset { get; }

    /// <summary>Σ sc·Σ q·x and Σ m·Σ x over the block, each as 8 int partial sums (AVX2).</summary>
    static abstract (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums);

    /// <summary>
    /// <see cref="Sums"/> against <typeparamref name="TRows"/> activation blocks, <paramref name="stride"/> bytes apart in
    /// both <paramref name="x"/> and <paramref name="groupSums"/>, written to <paramref name="dots"/>[i] and
    /// <paramref name="minDots"/>[i]; the weights unpacked once for all of them (batched decode).
    /// </summary>
    static abstract void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount;

    /// <summary>Σ sc·Σ q·x and Σ m·Σ x over the block (scalar).</summary>
    static abstract (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums);
}
