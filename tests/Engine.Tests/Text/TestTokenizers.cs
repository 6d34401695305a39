using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>The fixture tokenizers, each loaded once per test run (the Llama-3 merges take a while).</summary>
public static class TestTokenizers
{
    static readonly Dictionary<string, Lazy<TextTokenizer>> cache = new()
    {
        ["smollm3"] = new(() => TextTokenizer.FromHuggingFace(Fixtures.Require("tokenizers", "smollm3"))),
        ["starcoder-hf"] = new(() => TextTokenizer.FromHuggingFace(Fixtures.Require("tokenizers", "starcoder-vocab"))),
        ["gpt-2"] = new(() => FromGguf("ggml-vocab-gpt-2.gguf")),
        ["starcoder"] = new(() => FromGguf("ggml-vocab-starcoder.gguf")),
    };

    /// <summary>"smollm3" and "starcoder-hf" (tokenizer.json folders), "gpt-2" and "starcoder" (vocab GGUFs).</summary>
    public static TextTokenizer Get(string name)
    {
        Fixtures.Require("tokenizers");   // skip before touching a Lazy that would fail
        return cache[name].Value;
    }

    static TextTokenizer FromGguf(string file)
    {
        var path = Fixtures.Require("tokenizers", "llama-cpp-vectors", file);
        using var gguf = GgufFile.Open(path);
        return TextTokenizer.FromGguf(gguf.Metadata, path);
    }
}
