using System.Text.RegularExpressions;

namespace SmolLM3.Engine.Gguf;

/// <summary>llama.cpp tensor names ↔ Hugging Face names, for the llama/smollm3 tensor set.</summary>
public static partial class GgufTensorNames
{
    static readonly Dictionary<string, string> Global = new()
    {
        ["token_embd"] = "model.embed_tokens",
        ["output_norm"] = "model.norm",
        ["output"] = "lm_head",
    };

    static readonly Dictionary<string, string> PerLayer = new()
    {
        ["attn_norm"] = "input_layernorm",
        ["attn_q"] = "self_attn.q_proj",
        ["attn_k"] = "self_attn.k_proj",
        ["attn_v"] = "self_attn.v_proj",
        ["attn_output"] = "self_attn.o_proj",
        ["ffn_norm"] = "post_attention_layernorm",
        ["ffn_gate"] = "mlp.gate_proj",
        ["ffn_up"] = "mlp.up_proj",
        ["ffn_down"] = "mlp.down_proj",
    };

    [GeneratedRegex(@"^blk\.(\d+)\.(\w+)\.weight$")]
    private static partial Regex LayerName();

    /// <summary>The Hugging Face name of a GGUF tensor, or null for tensors outside the mapping.</summary>
    public static string? ToHuggingFace(string ggufName)
    {
        var m = LayerName().Match(ggufName);
        if (m.Success)
            return PerLayer.TryGetValue(m.Groups[2].Value, out var hf) ? $"model.layers.{m.Groups[1].Value}.{hf}.weight" : null;
        return ggufName.EndsWith(".weight") && Global.TryGetValue(ggufName[..^".weight".Length], out var g) ? $"{g}.weight" : null;
    }

    /// <summary>The GGUF name a Hugging Face name maps to (inverse of <see cref="ToHuggingFace"/>), or null.</summary>
    public static string? ToGguf(string hfName)
    {
        foreach (var (gguf, hf) in Global)
            if (hfName == $"{hf}.weight") return $"{gguf}.weight";
        var m = HfLayerName().Match(hfName);
        if (!m.Success) return null;
        foreach (var (gguf, hf) in PerLayer)
            if (m.Groups[2].Value == hf) return $"blk.{m.Groups[1].Value}.{gguf}.weight";
        return null;
    }

    [GeneratedRegex(@"^model\.layers\.(\d+)\.([\w.]+)\.weight$")]
    private static partial Regex HfLayerName();
}
