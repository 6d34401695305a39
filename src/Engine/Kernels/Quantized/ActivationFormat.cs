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

    /// <summary>Blocks of 32 with sums (for Q4_1, Q5_1, whose minimum m adds m·d·Σq): float d[n/32], float d·Σq[n/32], sbyte q[n].</summary>
    Q8_1,

    /// <summary>Blocks of 256 (for the K-quants): float d[n/256], short Σq per 16 values[n/16], sbyte q[n].</summary>
    Q8_K,
}
