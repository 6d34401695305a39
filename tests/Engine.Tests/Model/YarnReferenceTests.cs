using System.Diagnostics;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// A YaRN model (2,048 positions stretched to 8,192 by factor 4) against llama.cpp's F32-KV reference for one
/// 8,000-token prompt: positions far past the original context, through chunked prefill and a shared paged pool,
/// every top-5 entry within the fixtures' 2e-3.
/// </summary>
public class YarnReferenceTests(ITestOutputHelper output)
{
    const double EntryTolerance = 2e-3;
    const string Model = "long-context/tiny-smollm3-yarn";

    [SkippableFact]
    public void EightThousandTokensPastTheOriginalContextMatchLlamaCpp()
    {
        var reference = LlamaCppReference.Load(Fixtures.Require([.. Model.Split('/'), "ref-8k.json"]));
        using var lm = TinyModels.Load(Model);
        Assert.Equal(2048, lm.Config.MaxPositionEmbeddings);
        Assert.Equal(8192, lm.Config.ContextLength);
        using var pool = lm.NewBlockPool(KvBlockPool.BytesFor(lm.Config, torch.ScalarType.Float32, 8192));

        foreach (var c in reference.Cases)
        {
            Assert.True(c.Prompt.Length > 4 * 1024, "the prompt reaches far past the original context");
            using var cache = pool.NewCache();
            var clock = Stopwatch.StartNew();
            var steps = Scorer.Stepwise(lm, cache, c.Prompt, c.Forced, top: 8, prefillChunk: 512);
            double worst = 0;
            for (int i = 0; i < steps.Count; i++)
            {
                var mine = steps[i].Top.ToDictionary(e => e.TokenId, e => (double)e.LogProb);
                foreach (var e in c.Steps[i].Top)
                {
                    Assert.True(mine.TryGetValue(e.Token, out var lp), $"step {i}: token {e.Token} missing from our top-8");
                    worst = Math.Max(worst, Math.Abs(lp - e.Logprob));
                    Assert.True(Math.Abs(lp - e.Logprob) <= EntryTolerance, $"step {i}, token {e.Token}: ours {lp:F6}, llama.cpp {e.Logprob:F6}");
                }
            }
            output.WriteLine($"{c.Prompt.Length} tokens: max |Δlogprob| {worst:E2} over {steps.Count} steps in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }
}
