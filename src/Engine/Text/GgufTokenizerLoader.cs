using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Text;

/// <summary>
/// Reads the <c>tokenizer.ggml.*</c> metadata of a GGUF file. Control tokens become special added
/// tokens and user-defined tokens plain added tokens, as llama.cpp treats them; the split regexes
/// follow from the <c>pre</c> name, since GGUF does not store them.
/// </summary>
public static class GgufTokenizerLoader
{
    // tokenizer.ggml.token_type values (llama.cpp's llama_token_type).
    const int Control = 3, UserDefined = 4;

    public static TokenizerDefinition Load(GgufMetadata metadata, string source = "GGUF metadata")
    {
        var model = metadata.TryGetString("tokenizer.ggml.model", out var m) ? m : null;
        if (model != "gpt2")
            throw new ModelFormatException($"{source}: tokenizer model '{model}' is not supported (only byte-level BPE, 'gpt2', is)");
        var pre = metadata.TryGetString("tokenizer.ggml.pre", out var p) ? p : "(missing)";
        var split = PreTokenizerPatterns.ForGgufPre(pre)
            ?? throw new ModelFormatException($"{source}: pre-tokenizer '{pre}' is not supported");

        var tokens = metadata.GetArray<string>("tokenizer.ggml.tokens");
        var merges = metadata.GetArray<string>("tokenizer.ggml.merges");
        var types = metadata.TryGetArray<int>("tokenizer.ggml.token_type", out var tt) ? tt : null;
        if (types is not null && types.Length != tokens.Length)
            throw new ModelFormatException($"{source}: {types.Length} token types for {tokens.Length} tokens");

        var vocab = new Dictionary<string, int>(tokens.Length);
        var added = new List<AddedToken>();
        for (var id = 0; id < tokens.Length; id++)
        {
            var type = types?[id] ?? 1;
            if (type is Control or UserDefined) added.Add(new AddedToken(id, tokens[id], type == Control));
            else vocab.TryAdd(tokens[id], id);
        }

        int? Id(string key) => metadata.TryGetInt32(key, out var v) && v >= 0 && v < tokens.Length ? v : null;
        var ids = new SpecialTokenIds(Id("tokenizer.ggml.bos_token_id"), Id("tokenizer.ggml.eos_token_id"), Id("tokenizer.ggml.padding_token_id"));
        return new TokenizerDefinition(source, vocab, merges, added, split.Stages, split.IgnoreMerges, ids);
    }
}
