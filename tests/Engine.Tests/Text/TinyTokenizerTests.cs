using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>
/// A hand-built GGUF vocabulary (the 256 byte tokens, two merges, a control and a user-defined
/// token), so the rules are checked without fixtures.
/// </summary>
public sealed class TinyTokenizerTests
{
    const int Ab = 256, Abc = 257, Eot = 258, Fish = 259;

    public static TextTokenizer Tiny()
    {
        var tokens = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.CharFor((byte)b).ToString())
            .Concat(["ab", "abc", "<|eot|>", "<fish>"]).ToArray();
        var types = Enumerable.Repeat(1, 256).Concat([1, 1, 3, 4]).ToArray();
        var metadata = new GgufMetadata(new Dictionary<string, object>
        {
            ["tokenizer.ggml.model"] = "gpt2",
            ["tokenizer.ggml.pre"] = "gpt-2",
            ["tokenizer.ggml.tokens"] = tokens,
            ["tokenizer.ggml.merges"] = new[] { "a b", "ab c" },
            ["tokenizer.ggml.token_type"] = types,
            ["tokenizer.ggml.eos_token_id"] = (uint)Eot,
        }, "tiny");
        return TextTokenizer.FromGguf(metadata, "tiny");
    }

    [Fact]
    public void MergesApplyInsideWordsOnly()
    {
        var tok = Tiny();
        Assert.Equal([Abc, 'd'], tok.Encode("abcd"));
        // " abc" is one GPT-2 piece starting with a space: "Ġ" never merges with "a".
        Assert.Equal(['a', ' ', Abc], tok.Encode("a abc"));   // the byte token of ' ' ("Ġ") has id 32
    }

    [Fact]
    public void ControlTokensNeedParseSpecialUserDefinedDoNot()
    {
        var tok = Tiny();
        Assert.Equal([Ab, Eot], tok.Encode("ab<|eot|>", parseSpecial: true));
        Assert.DoesNotContain(Eot, tok.Encode("ab<|eot|>"));
        Assert.Equal([Fish], tok.Encode("<fish>"));
        Assert.Equal(Eot, tok.EosId);
        Assert.Null(tok.BosId);
    }

    [Fact]
    public void DecodeSkipsOnlySpecialTokens()
    {
        var tok = Tiny();
        Assert.Equal("abc<fish>", tok.Decode([Abc, Eot, Fish], skipSpecial: true));
        Assert.Equal("abc<|eot|><fish>", tok.Decode([Abc, Eot, Fish]));
    }
}
