using System.Text.Json;

namespace SmolLM3.Engine.Loading;

/// <summary>Reads a Hugging Face <c>config.json</c> (LlamaForCausalLM or SmolLM3ForCausalLM) into a <see cref="ModelConfig"/>.</summary>
public static class HfConfigReader
{
    public static ModelConfig Read(string configPath)
    {
        if (!File.Exists(configPath)) throw new ModelFormatException($"config.json not found: {configPath}");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(configPath)); }
        catch (JsonException e) { throw new ModelFormatException($"{configPath}: not valid JSON ({e.Message})", e); }
        using (doc) return Parse(doc.RootElement, configPath);
    }

    public static ModelConfig Parse(JsonElement root, string source = "config.json")
    {
        int Int(string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
                ? v.GetInt32()
                : throw new ModelFormatException($"{source}: required field '{name}' is missing or not a number");
        int? OptInt(string name) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;
        double OptDouble(string name, double fallback) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;

        var modelType = root.TryGetProperty("model_type", out var mt) ? mt.GetString() : null;
        var arch = modelType switch
        {
            "smollm3" => "smollm3",
            "llama" => "llama",
            null => throw new ModelFormatException($"{source}: required field 'model_type' is missing"),
            _ => throw new ModelFormatException($"{source}: model_type '{modelType}' is not supported (expected 'smollm3' or 'llama')"),
        };
        int layers = Int("num_hidden_layers");
        int heads = Int("num_attention_heads");

        return new ModelConfig
        {
            Architecture = arch,
            VocabSize = Int("vocab_size"),
            HiddenSize = Int("hidden_size"),
            IntermediateSize = Int("intermediate_size"),
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = OptInt("num_key_value_heads") ?? heads,
            ExplicitHeadDim = OptInt("head_dim"),
            RmsNormEps = OptDouble("rms_norm_eps", 1e-6),
            RopeTheta = OptDouble("rope_theta", 10000),
            Yarn = ReadYarn(root, source),
            TieWordEmbeddings = root.TryGetProperty("tie_word_embeddings", out var tie) && tie.ValueKind == JsonValueKind.True,
            MaxPositionEmbeddings = OptInt("max_position_embeddings") ?? 2048,
            RopeLayers = arch == "smollm3" ? ReadRopeLayers(root, layers, source) : null,
            EosTokenIds = ReadIds(root, "eos_token_id"),
            BosTokenId = OptInt("bos_token_id"),
        }.Validate();
    }

    /// <summary>SmolLM3: <c>no_rope_layers</c> (1 = RoPE, 0 = NoPE), else every n-th layer from <c>no_rope_layer_interval</c>.</summary>
    static bool[] ReadRopeLayers(JsonElement root, int layers, string source)
    {
        if (root.TryGetProperty("no_rope_layers", out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            var flags = arr.EnumerateArray().Select(e => e.GetInt32() != 0).ToArray();
            if (flags.Length != layers)
                throw new ModelFormatException($"{source}: no_rope_layers has {flags.Length} entries but num_hidden_layers is {layers}");
            return flags;
        }
        int interval = root.TryGetProperty("no_rope_layer_interval", out var iv) && iv.ValueKind == JsonValueKind.Number ? iv.GetInt32() : 4;
        return ModelConfig.NoPeEvery(layers, interval);
    }

    static YarnScaling? ReadYarn(JsonElement root, string source)
    {
        if (!root.TryGetProperty("rope_scaling", out var rs) || rs.ValueKind != JsonValueKind.Object) return null;
        var type = rs.TryGetProperty("rope_type", out var t) ? t.GetString() : rs.TryGetProperty("type", out var t2) ? t2.GetString() : null;
        if (type is null or "default") return null;
        if (type != "yarn") throw new ModelFormatException($"{source}: rope_scaling type '{type}' is not supported (only 'yarn')");
        double D(string name, double fallback) => rs.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;
        if (!rs.TryGetProperty("factor", out var f) || f.ValueKind != JsonValueKind.Number)
            throw new ModelFormatException($"{source}: rope_scaling.factor is missing");
        if (!rs.TryGetProperty("original_max_position_embeddings", out var o) || o.ValueKind != JsonValueKind.Number)
            throw new ModelFormatException($"{source}: rope_scaling.original_max_position_embeddings is missing");
        double? attn = rs.TryGetProperty("attention_factor", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetDouble() : null;
        return new YarnScaling(f.GetDouble(), o.GetInt32(), D("beta_fast", 32), D("beta_slow", 1), attn);
    }

    internal static int[] ReadIds(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var v) ? []
        : v.ValueKind == JsonValueKind.Number ? [v.GetInt32()]
        : v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()).ToArray()
        : [];
}
