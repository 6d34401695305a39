using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// Teacher-forced log-probabilities against llama.cpp (fixtures README: |Δlogprob| ≤ 2e-3 on every
/// listed entry, same top-1 wherever the reference margin exceeds 0.01), through the KV cache step by
/// step and in one pass.
/// </summary>
public class ReferenceAgreementTests
{
    const double Tolerance = 2e-3;

    public static TheoryData<string, string> SafetensorsCases => new()
    {
        { "tiny-smollm3/hf", "tiny-smollm3/ref-f32.json" },
        { "tiny-smollm2/hf", "tiny-smollm2/ref-f32.json" },
    };

    [SkippableTheory]
    [MemberData(nameof(SafetensorsCases))]
    public void SafetensorsStepwiseMatchesLlamaCpp(string model, string reference) =>
        Check(model, reference, stepwise: true);

    [SkippableTheory]
    [MemberData(nameof(SafetensorsCases))]
    public void SafetensorsOnePassMatchesLlamaCpp(string model, string reference) =>
        Check(model, reference, stepwise: false);

    internal static void Check(string model, string reference, bool stepwise)
    {
        var refPath = Fixtures.Require(reference.Split('/'));
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        using var lm = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU);
        foreach (var c in LlamaCppReference.Load(refPath).Cases)
        {
            // A small prefill chunk makes the 700-token prompt cross chunk boundaries.
            var steps = stepwise ? Scorer.Stepwise(lm, c.Prompt, c.Forced, 5, prefillChunk: 128) : Scorer.OnePass(lm, c.Prompt, c.Forced, 5);
            Assert.Equal(c.Steps.Count, steps.Count);
            for (int i = 0; i < steps.Count; i++)
                AssertAgrees(c.Steps[i], steps[i], lm, c.Prompt.Length, i);
        }
    }

    static void AssertAgrees(ReferenceStep expected, ScoredStep actual, CausalLM lm, int promptLength, int step)
    {
        var mine = actual.Top.ToDictionary(e => e.Token, e => e.Logprob);
        foreach (var e in expected.Top)
        {
            Assert.True(mine.TryGetValue(e.Token, out var lp) || expected.Top[0].Logprob - e.Logprob > 0.01,
                $"prompt {promptLength}, step {step}: token {e.Token} missing from our top-5");
            if (mine.ContainsKey(e.Token))
                Assert.True(Math.Abs(lp - e.Logprob) <= Tolerance,
                    $"prompt {promptLength}, step {step}, token {e.Token}: ours {lp:F6}, llama.cpp {e.Logprob:F6}");
        }
        if (expected.Top[0].Logprob - expected.Top[1].Logprob > 0.01)
            Assert.Equal(expected.Top[0].Token, actual.Top[0].Token);
    }
}
