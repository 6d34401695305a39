using System.Text.Json;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Text;

/// <summary>
/// Reads a Hugging Face tokenizer folder: <c>tokenizer.json</c> (BPE model, pre-tokenizer, added
/// tokens) plus the special tokens named in <c>tokenizer_config.json</c>, falling back to the ids in
/// <c>generation_config.json</c> (SmolLM3 names no BOS token in the first but gives an id in the second).
/// </summary>
public static class HuggingFaceTokenizerLoader
{
    public static TokenizerDefinition Load(string folder)
    {
        var path = Path.Combine(folder, "tokenizer.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: tokenizer.json not found", path);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;

        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type != "BPE")
            throw new ModelFormatException($"{path}: tokenizer model type '{type}' is not supported (only byte-level BPE is)");
        if (root.TryGetProperty("normalizer", out var norm) && norm.ValueKind != JsonValueKind.Null)
            throw new ModelFormatException($"{path}: normalizer '{norm.GetProperty("type").GetString()}' is not supported");

        var vocab = model.GetProperty("vocab").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        var merges = model.GetProperty("merges").EnumerateArray().Select(ReadMerge).ToList();
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;

        var patterns = new List<string>();
        var byteLevel = false;
        if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind != JsonValueKind.Null)
            ReadPreTokenizer(pre, patterns, ref byteLevel, path);
        if (!byteLevel) throw new ModelFormatException($"{path}: the pre-tokenizer has no ByteLevel step; only byte-level BPE is supported");

        var added = root.TryGetProperty("added_tokens", out var at)
            ? at.EnumerateArray().Select(a => new AddedToken(
                a.GetProperty("id").GetInt32(), a.GetProperty("content").GetString()!,
                a.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True)).ToList()
            : [];

        var ids = ReadSpecialIds(folder, vocab, added);
        return new TokenizerDefinition(path, vocab, merges, added, patterns, ignoreMerges, ids);
    }

    // Newer files store a merge as ["a", "b"], older ones as "a b"; the library wants "a b".
    static string ReadMerge(JsonElement m) =>
        m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!;

    static void ReadPreTokenizer(JsonElement pre, List<string> patterns, ref bool byteLevel, string path)
    {
        var type = pre.GetProperty("type").GetString();
        switch (type)
        {
            case "Sequence":
                foreach (var inner in pre.GetProperty("pretokenizers").EnumerateArray())
                    ReadPreTokenizer(inner, patterns, ref byteLevel, path);
                break;
            case "Split":
                var behavior = pre.TryGetProperty("behavior", out var b) ? b.GetString() : null;
                var invert = pre.TryGetProperty("invert", out var inv) && inv.ValueKind == JsonValueKind.True;
                if (behavior != "Isolated" || invert)
                    throw new ModelFormatException($"{path}: Split pre-tokenizer with behavior '{behavior}' (invert {invert}) is not supported");
                var pattern = pre.GetProperty("pattern");
                patterns.Add(pattern.TryGetProperty("Regex", out var rx)
                    ? rx.GetString()!
                    : System.Text.RegularExpressions.Regex.Escape(pattern.GetProperty("String").GetString()!));
                break;
            case "Digits":
                var single = pre.TryGetProperty("individual_digits", out var d) && d.ValueKind == JsonValueKind.True;
                patterns.Add(single ? PreTokenizerPatterns.SingleDigit : @"\p{N}+");
                break;
            case "ByteLevel":
                if (pre.TryGetProperty("add_prefix_space", out var aps) && aps.ValueKind == JsonValueKind.True)
                    throw new ModelFormatException($"{path}: ByteLevel add_prefix_space is not supported");
                // use_regex defaults to true: the GPT-2 split comes with the byte mapping.
                if (!pre.TryGetProperty("use_regex", out var ur) || ur.ValueKind == JsonValueKind.True)
                    patterns.Add(PreTokenizerPatterns.Gpt2);
                byteLevel = true;
                break;
            default:
                throw new ModelFormatException($"{path}: pre-tokenizer '{type}' is not supported");
        }
    }

    static SpecialTokenIds ReadSpecialIds(string folder, Dictionary<string, int> vocab, List<AddedToken> added)
    {
        int? Lookup(string? content) =>
            content is null ? null
            : added.FirstOrDefault(a => a.Content == content)?.Id ?? (vocab.TryGetValue(content, out var id) ? id : null);

        int? bos = null, eos = null, pad = null;
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        if (File.Exists(configPath))
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(configPath));
            bos = Lookup(TokenName(config.RootElement, "bos_token"));
            eos = Lookup(TokenName(config.RootElement, "eos_token"));
            pad = Lookup(TokenName(config.RootElement, "pad_token"));
        }
        var generationPath = Path.Combine(folder, "generation_config.json");
        if (File.Exists(generationPath))
        {
            using var gen = JsonDocument.Parse(File.ReadAllBytes(generationPath));
            bos ??= FirstId(gen.RootElement, "bos_token_id");
            eos ??= FirstId(gen.RootElement, "eos_token_id");
            pad ??= FirstId(gen.RootElement, "pad_token_id");
        }
        return new SpecialTokenIds(bos, eos, pad);
    }

    // A special token is written either as its text or as an AddedToken object with "content".
    static string? TokenName(JsonElement config, string key) =>
        !config.TryGetProperty(key, out var v) ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString()
        : v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out var c) ? c.GetString()
        : null;

    // eos_token_id may be a list of stop ids; the first is the canonical one.
    static int? FirstId(JsonElement config, string key) =>
        !config.TryGetProperty(key, out var v) ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetInt32()
        : v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0 ? v[0].GetInt32()
        : null;
}
