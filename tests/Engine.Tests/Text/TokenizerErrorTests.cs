using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Tests.Gguf;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>Bad inputs fail with an exception that names the file or the id.</summary>
public sealed class TokenizerErrorTests(TempFolder temp) : IClassFixture<TempFolder>
{
    [Fact]
    public void MissingTokenizerJsonNamesThePath()
    {
        var folder = temp.PathFor("empty");
        Directory.CreateDirectory(folder);
        var ex = Assert.Throws<FileNotFoundException>(() => TextTokenizer.FromHuggingFace(folder));
        Assert.Contains(Path.Combine(folder, "tokenizer.json"), ex.Message);
    }

    [Fact]
    public void UnknownModelTypeNamesTypeAndPath()
    {
        var folder = temp.PathFor("wordpiece");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"),
            """{"model": {"type": "WordPiece", "vocab": {"a": 0}}, "normalizer": null, "pre_tokenizer": null}""");
        var ex = Assert.Throws<ModelFormatException>(() => TextTokenizer.FromHuggingFace(folder));
        Assert.Contains("WordPiece", ex.Message);
        Assert.Contains(Path.Combine(folder, "tokenizer.json"), ex.Message);
    }

    [Fact]
    public void UnknownGgufModelAndPreAreNamed()
    {
        var spm = Metadata(("tokenizer.ggml.model", "llama"), ("tokenizer.ggml.pre", "default"));
        Assert.Contains("'llama'", Assert.Throws<ModelFormatException>(() => TextTokenizer.FromGguf(spm, "x.gguf")).Message);
        var pre = Metadata(("tokenizer.ggml.model", "gpt2"), ("tokenizer.ggml.pre", "no-such-pre"));
        var msg = Assert.Throws<ModelFormatException>(() => TextTokenizer.FromGguf(pre, "x.gguf")).Message;
        Assert.Contains("no-such-pre", msg);
        Assert.Contains("x.gguf", msg);
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        var tok = TinyTokenizerTests.Tiny();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([0, tok.VocabSize]));
        Assert.Contains(tok.VocabSize.ToString(), ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([-1]));
    }

    static GgufMetadata Metadata(params (string Key, object Value)[] entries) =>
        new(entries.ToDictionary(e => e.Key, e => e.Value), "test");
}
