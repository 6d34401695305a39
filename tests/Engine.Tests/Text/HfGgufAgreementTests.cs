using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Text;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>
/// The tiny models ship their tokenizer twice, as tokenizer.json and in GGUF metadata (pre
/// "llama-bpe" for SmolLM3, "smollm" for SmolLM2): both readings must tokenize alike.
/// </summary>
public sealed class HfGgufAgreementTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("tiny-smollm3", "model-q8_0.gguf")]
    [InlineData("tiny-smollm2", "model-f16.gguf")]
    public void SameIdsFromBothFormats(string model, string gguf)
    {
        var hf = TextTokenizer.FromHuggingFace(Fixtures.Require(model, "hf"));
        var path = Fixtures.Require(model, gguf);
        using var file = GgufFile.Open(path);
        var fromGguf = TextTokenizer.FromGguf(file.Metadata, path);
        output.WriteLine($"pre {file.Metadata.GetString("tokenizer.ggml.pre")}; HF bos/eos/pad {hf.BosId}/{hf.EosId}/{hf.PadId}, GGUF {fromGguf.BosId}/{fromGguf.EosId}/{fromGguf.PadId}");

        Assert.Equal(hf.VocabSize, fromGguf.VocabSize);
        Assert.Equal(hf.EosId, fromGguf.EosId);
        var texts = new[] { "llama-bpe", "gpt-2", "starcoder" }.SelectMany(v => LlamaCppVectors.Read(v).Select(c => c.Input))
            .Append("<|im_start|>system\nYou are SmolLM.<|im_end|>\n<|im_start|>user\n12345 😀abc<|im_end|>\n");
        foreach (var text in texts)
        {
            Assert.Equal(hf.Encode(text), fromGguf.Encode(text));
            Assert.Equal(hf.Encode(text, parseSpecial: true), fromGguf.Encode(text, parseSpecial: true));
        }
    }
}
