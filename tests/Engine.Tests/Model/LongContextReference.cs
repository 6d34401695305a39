using System.Diagnostics;
using SmolLM3.Engine.Benchmarking;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Model;
using TorchSharp;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// Checks a model against a long-context llama.cpp reference (F32 KV cache, no flash attention): teacher-forced
/// steps through one shared paged pool in the model's KV format, the prompt fed in llama.cpp's 512-token micro-batches,
/// every top-5 entry within the fixtures' 2e-3 for an F32 cache (long sums in different orders account for the slack),
/// or within a narrower cache's measured bounds.
/// </summary>
static class LongContextReference
{
    /// <summary>The fixtures' tolerance for an F32 KV cache, on every entry.</summary>
    public const double EntryTolerance = 2e-3;
    const int PrefillChunk = 512;

    /// <summary>
    /// Asserts every case of <paramref name="reference"/>: each entry within <paramref name="maxBound"/> (default: the
    /// fixtures' 2e-3) and, when given, the mean within <paramref name="meanBound"/>; writes each one's mean and worst |Δ|,
    /// duration and peak RSS.
    /// </summary>
    public static void AssertMatches(CausalLM lm, LlamaCppReference reference, ITestOutputHelper output, double maxBound = EntryTolerance, double? meanBound = null)
    {
        int longest = reference.Cases.Max(c => c.Prompt.Length + c.Steps.Count);
        using var pool = lm.NewBlockPool(KvBlockPool.BytesFor(lm.Config, lm.KvFormat, longest + KvBlockPool.DefaultBlockTokens));
        foreach (var c in reference.Cases)
        {
            using var cache = pool.NewCache();
            PeakMemory.Reset();
            var clock = Stopwatch.StartNew();
            var steps = Scorer.Stepwise(lm, cache, c.Prompt, c.Forced, top: 8, prefillChunk: PrefillChunk);
            var elapsed = clock.Elapsed;
            Assert.Equal(c.Steps.Count, steps.Count);
            var errors = new List<double>();
            for (int i = 0; i < steps.Count; i++)
            {
                // Ours lists 8, so a rank-5/6 swap within tolerance still finds the token.
                var mine = steps[i].Top.ToDictionary(e => e.TokenId, e => (double)e.LogProb);
                foreach (var e in c.Steps[i].Top)
                {
                    Assert.True(mine.TryGetValue(e.Token, out var lp), $"{c.Prompt.Length} tokens, step {i}: token {e.Token} missing from our top-8");
                    errors.Add(Math.Abs(lp - e.Logprob));
                    Assert.True(Math.Abs(lp - e.Logprob) <= maxBound, $"{c.Prompt.Length} tokens, {lm.KvFormat} KV, step {i}, token {e.Token}: ours {lp:F6}, llama.cpp {e.Logprob:F6}");
                }
            }
            output.WriteLine($"{c.Prompt.Length} tokens, {lm.KvFormat} KV: mean |Δlogprob| {errors.Average():E2}, max {errors.Max():E2} over {steps.Count} steps in {elapsed.TotalSeconds:F1} s, " +
                $"peak RSS {PeakMemory.Bytes() / (1024.0 * 1024):F0} MiB");
            if (meanBound is { } mean) Assert.True(errors.Average() <= mean, $"{c.Prompt.Length} tokens, {lm.KvFormat} KV: mean |Δlogprob| {errors.Average():E2}");
        }
    }
}
