namespace SmolLM3.Engine.Loading;

/// <summary>How the CPU multiplies by packed (GGUF-quantized) weights.</summary>
public enum PackedMath
{
    /// <summary>
    /// Each row of activations quantized to 8 bits per block once per matmul, then integer dot products with the packed
    /// blocks (<see cref="Kernels.Quantized.QuantDot"/>), as llama.cpp's CPU backend computes; prefill's tiles in BF16 where
    /// the CPU has AVX-512 BF16. The fast default; within the bounds docs/numerics.md gives of exact math.
    /// </summary>
    QuantizedActivations,

    /// <summary>Blocks decoded to float32 and multiplied with unquantized F32 activations, decode and prefill: exactly the dequantized model's math, slower.</summary>
    Exact,
}
