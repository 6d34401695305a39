using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Benchmarking;

/// <summary>The real architectures of the SmolLM family, for benchmarks that need no download.</summary>
public static class ModelShapes
{
    public static ModelConfig SmolLM2_135M => new()
    {
        Architecture = "llama", VocabSize = 49152, HiddenSize = 576, IntermediateSize = 1536, NumLayers = 30,
        NumHeads = 9, NumKvHeads = 3, RmsNormEps = 1e-5, RopeTheta = 100000, TieWordEmbeddings = true,
        MaxPositionEmbeddings = 8192,
    };

    public static ModelConfig SmolLM2_360M => new()
    {
        Architecture = "llama", VocabSize = 49152, HiddenSize = 960, IntermediateSize = 2560, NumLayers = 32,
        NumHeads = 15, NumKvHeads = 5, RmsNormEps = 1e-5, RopeTheta = 100000, TieWordEmbeddings = true,
        MaxPositionEmbeddings = 8192,
    };

    public static ModelConfig SmolLM2_1_7B => new()
    {
        Architecture = "llama", VocabSize = 49152, HiddenSize = 2048, IntermediateSize = 8192, NumLayers = 24,
        NumHeads = 32, NumKvHeads = 32, RmsNormEps = 1e-5, RopeTheta = 130000, TieWordEmbeddings = true,
        MaxPositionEmbeddings = 8192,
    };

    public static ModelConfig SmolLM3_3B => new()
    {
        Architecture = "smollm3", VocabSize = 128256, HiddenSize = 2048, IntermediateSize = 11008, NumLayers = 36,
        NumHeads = 16, NumKvHeads = 4, RmsNormEps = 1e-6, RopeTheta = 5_000_000, TieWordEmbeddings = true,
        MaxPositionEmbeddings = 65536, RopeLayers = ModelConfig.NoPeEvery(36, 4),
    };

    /// <summary>Shapes by their command-line names.</summary>
    public static IReadOnlyDictionary<string, ModelConfig> ByName { get; } = new Dictionary<string, ModelConfig>(StringComparer.OrdinalIgnoreCase)
    {
        ["smollm2-135m"] = SmolLM2_135M,
        ["smollm2-360m"] = SmolLM2_360M,
        ["smollm2-1.7b"] = SmolLM2_1_7B,
        ["smollm3-3b"] = SmolLM3_3B,
    };
}
