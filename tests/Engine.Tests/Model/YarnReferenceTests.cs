using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// A YaRN model (2,048 positions stretched to 8,192 by factor 4) against llama.cpp's F32-KV reference for one
/// 8,000-token prompt: positions far past the original context, through chunked prefill and a shared paged pool,
/// every top-5 entry within the fixtures' 2e-3.
/// </summary>
[Collection(LongContextReferenceTests.Collection)]
public class YarnReferenceTests(ITestOutputHelper output)
{
    const string Model = "long-context/tiny-smollm3-yarn";

    [SkippableFact]
    public void EightThousandTokensPastTheOriginalContextMatchLlamaCpp()
    {
        var reference = LlamaCppReference.Load(Fixtures.Require([.. Model.Split('/'), "ref-8k.json"]));
        using var lm = TinyModels.Load(Model);
        Assert.Equal(2048, lm.Config.MaxPositionEmbeddings);
        Assert.Equal(8192, lm.Config.ContextLength);
        Assert.All(reference.Cases, c => Assert.True(c.Prompt.Length > 4 * 1024, "the prompt reaches far past the original context"));
        LongContextReference.AssertMatches(lm, reference, output);
    }
}
