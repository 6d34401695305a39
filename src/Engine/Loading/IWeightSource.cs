using TorchSharp;

namespace SmolLM3.Engine.Loading;

/// <summary>Shape and storage type of one checkpoint tensor, in PyTorch order (slowest dimension first).</summary>
public sealed record WeightInfo(string Name, long[] Shape, string StorageType, long ByteSize);

/// <summary>
/// A checkpoint seen through Hugging Face tensor names (<c>model.layers.0.self_attn.q_proj.weight</c>).
/// GGUF sources translate names, dequantize and undo llama.cpp's Q/K row permutation, so the model
/// needs one loading path and one RoPE implementation.
/// </summary>
public interface IWeightSource : IDisposable
{
    ModelConfig Config { get; }

    /// <summary>Where the weights came from (a folder or a file) and their format, for messages.</summary>
    string Description { get; }

    IReadOnlyList<WeightInfo> Weights { get; }

    bool Contains(string name);

    /// <summary>Loads one tensor, converted to <paramref name="dtype"/>, on <paramref name="device"/>.</summary>
    /// <exception cref="ModelFormatException">The tensor is missing or malformed.</exception>
    torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device);

    /// <summary>The type <see cref="LoadPacked"/> gives the tensor in (a matrix the source stores quantized, as GGUFs do), else null.</summary>
    Gguf.GgmlType? PackedType(string name) => null;

    /// <summary>The matrix as its quantized blocks when <see cref="PackedType"/> names one, else null.</summary>
    PackedWeight? LoadPacked(string name) => null;
}
