namespace SmolLM3.Engine.Text;

/// <summary>
/// The split regexes byte-level BPE vocabularies are trained with, and which of them a GGUF
/// <c>tokenizer.ggml.pre</c> name stands for (the names llama.cpp's converter writes).
/// </summary>
public static class PreTokenizerPatterns
{
    /// <summary>Llama-3 (and SmolLM3): case-insensitive contractions, digits in runs of up to three.</summary>
    public const string Llama3 =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>GPT-2, as Hugging Face's ByteLevel pre-tokenizer applies it (use_regex).</summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>Every digit on its own (HF <c>Digits(individual_digits)</c>).</summary>
    public const string SingleDigit = @"\p{N}";

    /// <summary>
    /// The regex stages and whether whole-word vocabulary hits skip the merges, for a GGUF pre name;
    /// null for a name this engine does not know.
    /// </summary>
    public static (string[] Stages, bool IgnoreMerges)? ForGgufPre(string pre) => pre switch
    {
        "llama3" or "llama-v3" or "llama-bpe" or "smollm3" or "falcon3" or "pixtral" => ([Llama3], true),
        "gpt-2" or "gpt2" or "phi-2" or "mpt" or "olmo" => ([Gpt2], false),
        "starcoder" or "smollm" or "refact" or "codeshell" => ([SingleDigit, Gpt2], false),
        _ => null,
    };
}
