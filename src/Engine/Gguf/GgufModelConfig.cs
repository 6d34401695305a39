using System.Globalization;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Gguf;

/// <summary>Builds a <see cref="ModelConfig"/> from the <c>{arch}.*</c> and <c>tokenizer.ggml.*</c> keys llama.cpp writes.</summary>
public static class GgufModelConfig
{
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["smollm3", "llama"];

    /// <param name="hasOutputWeight">Whether the file has <c>output.weight</c>; without it the embedding is tied.</param>
    public static ModelConfig FromMetadata(GgufMetadata md, bool hasOutputWeight, string source)
    {
        var arch = md.GetString("general.architecture");
        if (!SupportedArchitectures.Contains(arch))
            throw new ModelFormatException(
                $"{source}: unsupported architecture '{arch}' (general.architecture); supported: {string.Join(", ", SupportedArchitectures)}");
        string Key(string suffix) => $"{arch}.{suffix}";

        var hidden = md.GetInt32(Key("embedding_length"));
        var heads = md.GetInt32(Key("attention.head_count"));
        var layers = md.GetInt32(Key("block_count"));
        int? headDim = md.TryGetInt32(Key("attention.key_length"), out var k) && heads > 0 && k != hidden / heads ? k : null;

        return new ModelConfig
        {
            Architecture = arch,
            VocabSize = VocabSize(md, Key("vocab_size"), source),
            HiddenSize = hidden,
            IntermediateSize = md.GetInt32(Key("feed_forward_length")),
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = md.TryGetInt32(Key("attention.head_count_kv"), out var kv) ? kv : heads,
            ExplicitHeadDim = headDim,
            RmsNormEps = Number(md, Key("attention.layer_norm_rms_epsilon")),
            RopeTheta = md.ContainsKey(Key("rope.freq_base")) ? Number(md, Key("rope.freq_base")) : 10000,
            MaxPositionEmbeddings = md.GetInt32(Key("context_length")),
            Yarn = Yarn(md, arch, source),
            TieWordEmbeddings = !hasOutputWeight,
            // GGUF has no NoPE key: llama.cpp hard-codes SmolLM3's every-4th-layer pattern.
            RopeLayers = arch == "smollm3" ? ModelConfig.NoPeEvery(layers, 4) : null,
            EosTokenIds = md.TryGetInt32("tokenizer.ggml.eos_token_id", out var eos) ? [eos] : [],
            BosTokenId = md.TryGetInt32("tokenizer.ggml.bos_token_id", out var bos) ? bos : null,
        }.Validate();
    }

    static int VocabSize(GgufMetadata md, string key, string source)
    {
        if (md.TryGetInt32(key, out var vocab)) return vocab;
        if (md.TryGetArray<string>("tokenizer.ggml.tokens", out var tokens)) return tokens.Length;
        throw new ModelFormatException($"{source}: vocabulary size unknown: neither '{key}' nor 'tokenizer.ggml.tokens' is present");
    }

    static YarnScaling? Yarn(GgufMetadata md, string arch, string source)
    {
        if (!md.TryGetString($"{arch}.rope.scaling.type", out var type) || type == "none") return null;
        if (type != "yarn")
            throw new ModelFormatException($"{source}: rope scaling type '{type}' ({arch}.rope.scaling.type) is not supported; only yarn is");
        var defaults = new YarnScaling(1, 0);
        return new YarnScaling(
            Number(md, $"{arch}.rope.scaling.factor"),
            md.GetInt32($"{arch}.rope.scaling.original_context_length"),
            md.ContainsKey($"{arch}.rope.scaling.yarn_beta_fast") ? Number(md, $"{arch}.rope.scaling.yarn_beta_fast") : defaults.BetaFast,
            md.ContainsKey($"{arch}.rope.scaling.yarn_beta_slow") ? Number(md, $"{arch}.rope.scaling.yarn_beta_slow") : defaults.BetaSlow);
    }

    /// <summary>
    /// A float32 key as the decimal the converter was given: 1e-6 is stored as 9.99999997e-7, and
    /// the shortest round-trip string recovers 1e-6 where a plain widening would not.
    /// </summary>
    static double Number(GgufMetadata md, string key) =>
        md.TryGetValue(key, out var v) && v is float f
            ? double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            : md.GetDouble(key);
}
