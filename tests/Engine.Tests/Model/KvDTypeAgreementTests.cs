using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// An F32 model with a BF16, F16 or Q8_0 KV cache against the same model with an F32 cache, teacher forced on the fixtures'
/// reference prompts (prefill in chunks, then one token at a time: BF16 and Q8_0 decode read the blocks in place, F16 goes
/// through the gathered path; Q8_0 prefill reads them dequantized). Bounds sit slightly above what was measured (docs/numerics.md).
/// </summary>
public class KvDTypeAgreementTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string, double, double> Cases => new()
    {
        // model, reference prompts, KV type, mean bound, max bound
        { "tiny-smollm3/hf", "tiny-smollm3/ref-f32.json", "bf16", MeanBf16, MaxBf16 },
        { "tiny-smollm2/hf", "tiny-smollm2/ref-f32.json", "bf16", MeanBf16, MaxBf16 },
        { "tiny-smollm3/hf", "tiny-smollm3/ref-f32.json", "f16", MeanF16, MaxF16 },
        { "tiny-smollm2/hf", "tiny-smollm2/ref-f32.json", "f16", MeanF16, MaxF16 },
        { "tiny-smollm3/hf", "tiny-smollm3/ref-f32.json", "q8_0", MeanQ8_0, MaxQ8_0 },
        { "tiny-smollm2/hf", "tiny-smollm2/ref-f32.json", "q8_0", MeanQ8_0, MaxQ8_0 },
    };

    // measured over both fixtures (384 top-8 entries each): BF16 mean 1.4–1.8e-3, max 1.2e-2; F16 mean 1.7–2.7e-4, max 1.5e-3
    const double MeanBf16 = 2.5e-3, MaxBf16 = 1.5e-2, MeanF16 = 4e-4, MaxF16 = 2e-3;
    // Q8_0: mean 3.9e-3 (tiny-smollm2) and 5.7e-3 (tiny-smollm3), max 2.7e-2 and 3.5e-2
    const double MeanQ8_0 = 7.5e-3, MaxQ8_0 = 4.5e-2;

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void A_narrower_cache_stays_within_its_bound_of_the_F32_cache(string model, string reference, string kvDType, double meanBound, double maxBound)
    {
        var refPath = Fixtures.Require(reference.Split('/'));
        using var source = ModelSources.Open(Fixtures.Require(model.Split('/')));
        using var wide = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: KvFormat.F32);
        var kv = KvFormat.Parse(kvDType);
        using var narrow = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU, kvFormat: kv);
        Assert.Equal(kv, narrow.NewCache().Pool.Format);
        var errors = new List<double>();
        foreach (var c in LlamaCppReference.Load(refPath).Cases)
        {
            var want = Scorer.Stepwise(wide, c.Prompt, c.Forced, 8, prefillChunk: 128);
            var got = Scorer.Stepwise(narrow, c.Prompt, c.Forced, 16, prefillChunk: 128);
            for (int i = 0; i < want.Count; i++)
            {
                var mine = got[i].Top.ToDictionary(e => e.TokenId, e => (double)e.LogProb);
                foreach (var e in want[i].Top)
                {
                    Assert.True(mine.TryGetValue(e.TokenId, out var lp), $"prompt {c.Prompt.Length}, step {i}: token {e.TokenId} left the top 16");
                    errors.Add(Math.Abs(lp - e.LogProb));
                }
            }
        }
        output.WriteLine($"{model} KV {kv}: mean |Δlogprob| {errors.Average():E2}, max {errors.Max():E2} over {errors.Count} entries");
        Assert.True(errors.Average() <= meanBound, $"mean |Δlogprob| {errors.Average():E2} over {errors.Count} entries");
        Assert.True(errors.Max() <= maxBound, $"max |Δlogprob| {errors.Max():E2}");
    }
}
