using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// The tiny SmolLM3 (NoPE on its last layer, rope_theta 5e6) against llama.cpp's F32-KV references for one
/// 16,384- and one 32,768-token prompt, through chunked prefill and a shared F32 paged pool. Each runs once:
/// the 32k prompt is the suite's longest test. The long-context tests share a collection, so they never run at
/// the same time (each one's memory and peak RSS are its own).
/// </summary>
[Collection(Collection)]
public class LongContextReferenceTests(ITestOutputHelper output)
{
    public const string Collection = "long context";
    const string Model = "tiny-smollm3/hf";

    [SkippableFact]
    public void SixteenThousandTokensMatchLlamaCpp() => Check("tiny-smollm3-16k.json", 16_384);

    [SkippableFact]
    public void ThirtyTwoThousandTokensMatchLlamaCpp() => Check("tiny-smollm3-32k.json", 32_768);

    void Check(string file, int promptTokens)
    {
        var reference = LlamaCppReference.Load(Fixtures.Require("long-context", file));
        using var lm = TinyModels.Load(Model);
        Assert.All(reference.Cases, c => Assert.Equal(promptTokens, c.Prompt.Length));
        LongContextReference.AssertMatches(lm, reference, output);
    }
}
