namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// How a row of float32 activations is quantized to meet one weight type: signed bytes q = round(x / d) with
/// d = max|x| / 127 per block, as llama.cpp's CPU backend pairs them with each weight type. Unlike llama.cpp's
/// interleaved blocks, a row holds all its scales (and sums) first and its quants last, contiguous
/// (<see cref="ActivationRow"/>).
/// </summary>
public enum ActivationFormat
{
    /// <summary>Blocks of 32 (for Q4_0, Q5_0, Q8_0): float d[n/32], then sbyte q[n].</summary>
    Q8_0,

    /// <summary>Blocks of 32 with sums (for Q5_0, Q5_1, whose minimum m adds m·d·Σq): float d[n/32], float d·Σq[n/32], sbyte q[n].</summary>
    Q8_1,

    /// <summary>
    /// <see cref="Q8_1"/> with the bytes of each whole group of eight blocks in nibble-pair order (for Q4_0, Q4_1): for
    /// j = 0…3, the first 16 of block j, the first 16 of block j + 4, the last 16 of block j, the last 16 of block j + 4.
    /// A weight block's 16 bytes hold values i (low nibbles) and i + 16 (high), so two blocks' nibbles in one vector
    /// meet their activations in two plain loads. Blocks after the last whole group are as in <see cref="Q8_1"/>.
    /// </summary>
    Q8_1Paired,

    /// <summary>Blocks of 256 (for the K-quants): float d[n/256], short Σq per 16 values[n/16], sbyte q[n].</summary>
    Q8_K,
}
