namespace SmolLM3.Engine.Gguf;

/// <summary>
/// Block layout of each storage type: a row is stored as whole blocks of <c>BlockSize</c> values
/// taking <c>BytesPerBlock</c> bytes. Sizes follow ggml's block_* structs.
/// </summary>
public static class GgmlTypeInfo
{
    /// <summary>Values per super-block of the K-quants (ggml's QK_K).</summary>
    public const int QK_K = 256;

    /// <summary>Values per block of the legacy quants (QK4_0 … QK8_0).</summary>
    public const int QK = 32;

    static readonly Dictionary<GgmlType, (int BlockSize, int BytesPerBlock)> Layouts = new()
    {
        [GgmlType.F32] = (1, 4),
        [GgmlType.F16] = (1, 2),
        [GgmlType.BF16] = (1, 2),
        [GgmlType.F64] = (1, 8),
        [GgmlType.I8] = (1, 1),
        [GgmlType.I16] = (1, 2),
        [GgmlType.I32] = (1, 4),
        [GgmlType.I64] = (1, 8),
        [GgmlType.Q4_0] = (QK, 2 + QK / 2),
        [GgmlType.Q4_1] = (QK, 4 + QK / 2),
        [GgmlType.Q5_0] = (QK, 2 + 4 + QK / 2),
        [GgmlType.Q5_1] = (QK, 4 + 4 + QK / 2),
        [GgmlType.Q8_0] = (QK, 2 + QK),
        [GgmlType.Q8_1] = (QK, 4 + QK),
        [GgmlType.Q2_K] = (QK_K, QK_K / 16 + QK_K / 4 + 4),
        [GgmlType.Q3_K] = (QK_K, QK_K / 8 + QK_K / 4 + 12 + 2),
        [GgmlType.Q4_K] = (QK_K, 4 + 12 + QK_K / 2),
        [GgmlType.Q5_K] = (QK_K, 4 + 12 + QK_K / 8 + QK_K / 2),
        [GgmlType.Q6_K] = (QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + 2),
        [GgmlType.Q8_K] = (QK_K, 4 + QK_K + QK_K / 16 * 2),
    };

    // the same, indexed by type number: kernels look layouts up once per weight row
    static readonly (int BlockSize, int BytesPerBlock)[] ByNumber = Enumerable.Range(0, (int)Layouts.Keys.Max() + 1)
        .Select(n => Layouts.GetValueOrDefault((GgmlType)n)).ToArray();

    /// <summary>True when the type's byte layout is known, so a tensor of it can be sized and skipped.</summary>
    public static bool HasKnownLayout(GgmlType type) => Layouts.ContainsKey(type);

    /// <summary>Values per block (1 for plain types).</summary>
    public static int BlockSize(GgmlType type) => Layout(type).BlockSize;

    /// <summary>Bytes per block.</summary>
    public static int BytesPerBlock(GgmlType type) => Layout(type).BytesPerBlock;

    /// <summary>Bytes taken by <paramref name="elements"/> values; they must fill whole blocks.</summary>
    public static long ByteSize(GgmlType type, long elements)
    {
        var (block, bytes) = Layout(type);
        return elements / block * bytes;
    }

    static (int BlockSize, int BytesPerBlock) Layout(GgmlType type) =>
        (uint)type < (uint)ByNumber.Length && ByNumber[(int)type].BlockSize != 0
            ? ByNumber[(int)type]
            : throw new NotSupportedException($"ggml type {type} has no known block layout");
}
