namespace SmolLM3.Engine.Loading;

/// <summary>How decode multiplies by packed (GGUF-quantized) weights on the CPU.</summary>
public enum PackedMath
{
    /// <summary>
    /// Each row of activations quantized to 8 bits per block once per matmul, then integer dot products with the packed
    /// blocks (<see cref="Kernels.Quantized.QuantDot"/>), as llama.cpp's CPU backend computes: the fast default; within the
    /// bound docs/numerics.md gives of exact math.
    /// </summary>
    QuantizedActivations,

    /// <summary>Blocks decoded to float32 and multiplied with unquantized activations: exactly the dequantized model's math, slower.</summary>
    Exact,
}
