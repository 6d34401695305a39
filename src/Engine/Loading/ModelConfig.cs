using SmolLM3.Engine.Model;

namespace SmolLM3.Engine.Loading;

/// <summary>YaRN context extension parameters (rope_scaling with rope_type "yarn").</summary>
public sealed record YarnScaling(
    double Factor,
    int OriginalMaxPositionEmbeddings,
    double BetaFast = 32,
    double BetaSlow = 1,
    double? AttentionFactor = null)
{
    /// <summary>Positions the scaling stretches RoPE to: factor × original (at most <see cref="int.MaxValue"/>).</summary>
    public int ContextLength => (int)Math.Min(int.MaxValue, Math.Floor(Factor * OriginalMaxPositionEmbeddings));
}

/// <summary>
/// Architecture hyper-parameters shared by SmolLM2 (llama) and SmolLM3. Model quirks live here as
/// methods so that layers never branch on the architecture name.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>"smollm3" or "llama" (SmolLM2).</summary>
    public required string Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    /// <summary>Explicit head_dim, or hidden/heads when the checkpoint omits it.</summary>
    public int? ExplicitHeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public YarnScaling? Yarn { get; init; }
    public bool TieWordEmbeddings { get; init; }
    /// <summary>The checkpoint's max_position_embeddings (GGUF: context_length); under YaRN the original context, not the extended one.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary>A context chosen below what the RoPE supports (<c>--context-length</c>); null: <see cref="SupportedContextLength"/>.</summary>
    public int? ContextLimit { get; init; }
    /// <summary>Per layer: true where the layer applies RoPE (SmolLM3's no_rope_layers: 1 = RoPE).</summary>
    public bool[]? RopeLayers { get; init; }
    public int[] EosTokenIds { get; init; } = [];
    public int? BosTokenId { get; init; }

    public int HeadDim => ExplicitHeadDim ?? HiddenSize / NumHeads;
    public int QueryDim => NumHeads * HeadDim;
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>Most positions a context may have (block and position arithmetic stays within int).</summary>
    public const int MaxContextLength = 1 << 30;

    /// <summary>Positions the RoPE is made for: factor × original under YaRN, else max_position_embeddings.</summary>
    public int SupportedContextLength => Yarn?.ContextLength ?? MaxPositionEmbeddings;

    /// <summary>Positions one sequence may hold: the number every context check and report uses.</summary>
    public int ContextLength => ContextLimit ?? SupportedContextLength;

    /// <summary>SmolLM3 skips RoPE on some layers (NoPE); llama uses it everywhere.</summary>
    public bool UsesRope(int layer) => RopeLayers is null || RopeLayers[layer];

    /// <summary>Bytes of K and V for one token across all layers in the given KV cache format.</summary>
    public long KvBytesPerToken(KvFormat format) => 2L * NumLayers * NumKvHeads * format.RowBytes(HeadDim);

    /// <summary>Parameter count implied by the shapes (embedding counted once when tied).</summary>
    public long ParameterCount
    {
        get
        {
            long perLayer = 2L * HiddenSize                                  // two norms
                + (long)HiddenSize * (QueryDim + 2 * KvDim) + (long)QueryDim * HiddenSize
                + 3L * HiddenSize * IntermediateSize;
            long embed = (long)VocabSize * HiddenSize;
            return embed * (TieWordEmbeddings ? 1 : 2) + NumLayers * perLayer + HiddenSize;
        }
    }

    /// <summary>SmolLM3's default NoPE pattern: every <paramref name="interval"/>-th layer (index interval-1, 2·interval-1, …) skips RoPE.</summary>
    public static bool[] NoPeEvery(int layers, int interval) =>
        Enumerable.Range(0, layers).Select(i => interval <= 0 || (i + 1) % interval != 0).ToArray();

    /// <summary>Checks invariants and throws <see cref="ModelFormatException"/> with the offending field.</summary>
    public ModelConfig Validate()
    {
        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ModelFormatException($"config: {name} must be positive, got {v}");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumLayers, "num_hidden_layers");
        Positive(NumHeads, "num_attention_heads");
        Positive(NumKvHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        if (NumHeads % NumKvHeads != 0)
            throw new ModelFormatException($"config: num_attention_heads ({NumHeads}) must be a multiple of num_key_value_heads ({NumKvHeads})");
        if (HeadDim % 2 != 0)
            throw new ModelFormatException($"config: head_dim ({HeadDim}) must be even for rotary embeddings");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        if (Yarn is { } yarn)
        {
            if (!(yarn.Factor >= 1) || double.IsInfinity(yarn.Factor))
                throw new ModelFormatException($"config: rope_scaling factor must be a finite number of at least 1, got {yarn.Factor}");
            Positive(yarn.OriginalMaxPositionEmbeddings, "rope_scaling original_max_position_embeddings");
        }
        if (SupportedContextLength > MaxContextLength)
            throw new ModelFormatException($"config: a context of {SupportedContextLength} positions is more than the {MaxContextLength} this engine addresses");
        if (ContextLimit is { } limit && (limit < 1 || limit > SupportedContextLength))
            throw new ModelFormatException($"config: context length {limit} is outside 1..{SupportedContextLength}, the positions the rope scaling supports");
        if (RopeLayers is not null && RopeLayers.Length != NumLayers)
            throw new ModelFormatException($"config: no_rope_layers has {RopeLayers.Length} entries but the model has {NumLayers} layers");
        return this;
    }
}
