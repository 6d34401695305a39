using SmolLM3.Engine.Model;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// The tiny SmolLM3 (NoPE on its last layer, rope_theta 5e6) against llama.cpp's F32-KV references for one
/// 16,384- and one 32,768-token prompt, through chunked prefill and a shared F32 paged pool (the 16k one also with BF16 and
/// Q8_0 pools, within their measured bounds). Each runs once:
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

    /// <summary>The 16k prompt with a narrower KV cache, against the same F32-KV reference: within the bounds measured (docs/numerics.md).</summary>
    [SkippableTheory]
    [InlineData("bf16", 2e-4, 6e-4)]     // measured: mean 1.1e-4, max 3.4e-4
    [InlineData("q8_0", 7e-4, 2.5e-3)]   // measured: mean 4.4e-4, max 1.6e-3
    public void SixteenThousandTokensWithANarrowerKvCacheStayWithinTheirBounds(string kvDType, double meanBound, double maxBound) =>
        Check("tiny-smollm3-16k.json", 16_384, KvFormat.Parse(kvDType), maxBound, meanBound);

    void Check(string file, int promptTokens, KvFormat? kv = null, double maxBound = LongContextReference.EntryTolerance, double? meanBound = null)
    {
        var reference = LlamaCppReference.Load(Fixtures.Require("long-context", file));
        using var lm = TinyModels.Load(Model, kv);
        Assert.All(reference.Cases, c => Assert.Equal(promptTokens, c.Prompt.Length));
        LongContextReference.AssertMatches(lm, reference, output, maxBound, meanBound);
    }
}
