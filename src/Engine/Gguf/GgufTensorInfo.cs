namespace SmolLM3.Engine.Gguf;

/// <summary>
/// One tensor's entry in the GGUF header. <paramref name="Dimensions"/> are in GGUF order (fastest
/// varying first, ne[0] = row length); <see cref="Shape"/> is the PyTorch order (reversed).
/// <paramref name="FileOffset"/> is absolute, already past the header and alignment padding.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, long FileOffset)
{
    public long ElementCount => Dimensions.Aggregate(1L, (a, d) => a * d);

    public long ByteSize => GgmlTypeInfo.ByteSize(Type, ElementCount);

    /// <summary>Length of one stored row (ne[0]); quantized blocks never straddle rows.</summary>
    public long RowLength => Dimensions[0];

    public long[] Shape => Dimensions.Reverse().ToArray();
}
