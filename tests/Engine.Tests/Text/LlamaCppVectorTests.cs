using SmolLM3.Engine.Text;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>Every llama.cpp tokenizer vector, against the vocabulary it was made with.</summary>
public sealed class LlamaCppVectorTests(ITestOutputHelper output)
{
    /// <summary>Vector file and tokenizer: llama-bpe is the Llama-3 vocabulary, read from SmolLM3's
    /// tokenizer.json; starcoder-hf is the starcoder vocabulary as tokenizer.json, which must give the GGUF's ids.</summary>
    public static TheoryData<string, string> AllPairs => new()
    {
        { "llama-bpe", "smollm3" }, { "gpt-2", "gpt-2" }, { "starcoder", "starcoder" }, { "starcoder", "starcoder-hf" },
    };

    [SkippableTheory]
    [MemberData(nameof(AllPairs))]
    public void EncodesEveryCaseAsLlamaCpp(string vectors, string tokenizer)
    {
        var cases = LlamaCppVectors.Read(vectors);
        var tok = TestTokenizers.Get(tokenizer);
        var failures = new List<string>();
        foreach (var (input, expected) in cases)
        {
            var actual = tok.Encode(input);
            if (!actual.SequenceEqual(expected))
                failures.Add($"{Show(input)}: expected [{string.Join(' ', expected)}], got [{string.Join(' ', actual)}]");
        }
        output.WriteLine($"{cases.Count - failures.Count} of {cases.Count} cases match");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases.Count} cases differ:\n{string.Join('\n', failures)}");
    }

    [SkippableTheory]
    [MemberData(nameof(AllPairs))]
    public void DecodeUndoesEncode(string vectors, string tokenizer)
    {
        var tok = TestTokenizers.Get(tokenizer);
        foreach (var (input, _) in LlamaCppVectors.Read(vectors))
            Assert.Equal(input, tok.Decode(tok.Encode(input)));
    }

    [SkippableTheory]
    [InlineData("llama-bpe", "smollm3")]
    [InlineData("gpt-2", "gpt-2")]
    [InlineData("starcoder", "starcoder")]
    public void ExpectedIdsDecodeToTheInput(string vectors, string tokenizer)
    {
        // Checks Decode on its own: the reference ids, not ours, must give back the text.
        var tok = TestTokenizers.Get(tokenizer);
        foreach (var (input, expected) in LlamaCppVectors.Read(vectors))
            Assert.Equal(input, tok.Decode(expected));
    }

    static string Show(string s) => "'" + s.Replace("\n", "\\n").Replace("\t", "\\t").Replace("\r", "\\r") + "'";
}
