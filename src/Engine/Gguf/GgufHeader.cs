namespace SmolLM3.Engine.Gguf;

/// <summary>Everything before the tensor data: version, metadata, tensor table and where data starts.</summary>
public sealed record GgufHeader(
    uint Version,
    GgufMetadata Metadata,
    IReadOnlyList<GgufTensorInfo> Tensors,
    uint Alignment,
    long DataOffset);
