using System.Text.Json;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// Where a model keeps its chat template and the globals it expects (<c>bos_token</c>, <c>eos_token</c>):
/// a Hugging Face folder or GGUF metadata. Missing tokens are left undefined, as transformers leaves them.
/// </summary>
public static class ChatTemplateSource
{
    /// <summary>Plain ChatML, the format SmolLM models are trained on, for checkpoints that ship no template.</summary>
    public const string ChatMl =
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>
    /// Reads <c>chat_template.jinja</c> if present (newer transformers save it there and prefer it),
    /// else <c>tokenizer_config.json</c>'s <c>chat_template</c>: a string, or a list of named templates of which "default" is used.
    /// Without either, <paramref name="fallback"/> if given, else an error.
    /// </summary>
    public static (string Template, IReadOnlyDictionary<string, object?> Globals) FromHuggingFace(string folder, string? fallback = null)
    {
        var configPath = Path.Combine(folder, "tokenizer_config.json");
        var jinjaPath = Path.Combine(folder, "chat_template.jinja");
        using var config = File.Exists(configPath) ? JsonDocument.Parse(File.ReadAllText(configPath)) : null;
        var root = config?.RootElement;

        var globals = new Dictionary<string, object?>();
        foreach (var name in (string[])["bos_token", "eos_token"])
            if (root is { } r && r.TryGetProperty(name, out var t) && TokenContent(t) is { } content) globals[name] = content;

        if (File.Exists(jinjaPath)) return (File.ReadAllText(jinjaPath), globals);
        if (root is { } cfg && cfg.TryGetProperty("chat_template", out var tpl))
            return (TemplateFromConfig(tpl, configPath), globals);
        if (fallback is not null) return (fallback, globals);
        throw new ModelFormatException($"{folder}: no chat template (neither chat_template.jinja nor chat_template in tokenizer_config.json)");
    }

    /// <summary>Reads <c>tokenizer.chat_template</c>; bos/eos come from the vocabulary via their token ids.</summary>
    public static (string Template, IReadOnlyDictionary<string, object?> Globals) FromGguf(GgufMetadata metadata, string source = "GGUF metadata", string? fallback = null)
    {
        if (!metadata.TryGetString("tokenizer.chat_template", out var template))
            template = fallback ?? throw new ModelFormatException($"{source}: no tokenizer.chat_template");
        var globals = new Dictionary<string, object?>();
        if (metadata.TryGetArray<string>("tokenizer.ggml.tokens", out var tokens))
        {
            foreach (var (name, key) in (ReadOnlySpan<(string, string)>)[("bos_token", "tokenizer.ggml.bos_token_id"), ("eos_token", "tokenizer.ggml.eos_token_id")])
                if (metadata.TryGetInt32(key, out var id) && id >= 0 && id < tokens.Length) globals[name] = tokens[id];
        }
        return (template, globals);
    }

    // tokenizer_config.json spells special tokens as a string or as a serialized AddedToken {"content": ...}.
    static string? TokenContent(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Object when e.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };

    static string TemplateFromConfig(JsonElement tpl, string path)
    {
        if (tpl.ValueKind == JsonValueKind.String) return tpl.GetString()!;
        if (tpl.ValueKind == JsonValueKind.Array)
            foreach (var item in tpl.EnumerateArray())
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("name", out var n) && n.ValueEquals("default")
                    && item.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String)
                    return t.GetString()!;
        throw new ModelFormatException($"{path}: chat_template is neither a string nor a list holding a template named \"default\"");
    }
}
