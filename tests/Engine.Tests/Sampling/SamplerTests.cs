using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Tests.Sampling;

public class SamplerTests
{
    static readonly int[] NoHistory = [];

    static float[] LogitsOf(params double[] probs) => probs.Select(p => (float)Math.Log(p)).ToArray();

    static double[] Softmax(float[] logits, double temperature = 1)
    {
        var e = logits.Select(l => Math.Exp(l / temperature)).ToArray();
        double z = e.Sum();
        return e.Select(x => x / z).ToArray();
    }

    static double[] Frequencies(Sampler sampler, float[] logits, int draws)
    {
        var counts = new double[logits.Length];
        for (int i = 0; i < draws; i++) counts[sampler.Sample(logits, NoHistory)]++;
        return counts.Select(c => c / draws).ToArray();
    }

    static Dictionary<int, double> DistributionOf(SamplingOptions o, float[] logits) =>
        new Sampler(o).Distribution(logits, NoHistory).ToDictionary(d => d.Token, d => d.Probability);

    [Fact]
    public void ExtremeTemperaturesStillSample_ADenormalOneAsGreedy_AHugeOneAsUniform()
    {
        var logits = LogitsOf(0.2, 0.5, 0.3);
        var tiny = DistributionOf(new SamplingOptions { Temperature = 2.6e-318, TopP = 1, TopK = 0 }, logits);
        Assert.Equal(new Dictionary<int, double> { [1] = 1.0 }, tiny.Where(p => p.Value > 0).ToDictionary());
        var huge = DistributionOf(new SamplingOptions { Temperature = 1.2e308, TopP = 1, TopK = 0 }, logits);
        Assert.All(huge.Values, p => Assert.Equal(1.0 / 3, p, 1e-12));
    }

    [Fact]
    public void GreedyPicksArgmaxWithTiesToTheLowestId()
    {
        var greedy = new Sampler(new SamplingOptions { Temperature = 0 });
        Assert.Equal(3, greedy.Sample([0.1f, -2f, 1f, 4f, 3.9f], NoHistory));
        Assert.Equal(1, greedy.Sample([1f, 3f, 3f, 2f, 3f], NoHistory));
        Assert.Equal(2, greedy.Sample([float.NegativeInfinity, -5f, 7f], NoHistory));
    }

    [Fact]
    public void SameSeedGivesTheSameSequenceAndDifferentSeedsDiffer()
    {
        var logits = new float[1000];
        var rng = new Random(3);
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)(3 * rng.NextDouble());
        int[] Run(long seed)
        {
            var s = new Sampler(new SamplingOptions { Seed = seed, TopK = 100, TopP = 0.9 });
            return Enumerable.Range(0, 100).Select(_ => s.Sample(logits, NoHistory)).ToArray();
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
    }

    [Fact]
    public void TemperatureOneFrequenciesMatchSoftmax()
    {
        float[] logits = [1f, 2f, 0.5f, -1f];
        var expected = Softmax(logits);
        var observed = Frequencies(new Sampler(new SamplingOptions { Seed = 11 }), logits, 20_000);
        for (int i = 0; i < logits.Length; i++) Assert.Equal(expected[i], observed[i], 0.02);
    }

    [Fact]
    public void TemperatureHalfSquaresTheOddsRatio()
    {
        float[] logits = [0.7f, 0.2f, -0.4f];
        var d = DistributionOf(new SamplingOptions { Temperature = 0.5 }, logits);
        Assert.Equal(Math.Exp(2 * ((double)logits[0] - logits[1])), d[0] / d[1], 1e-9);
        Assert.Equal(Math.Exp(2 * ((double)logits[1] - logits[2])), d[1] / d[2], 1e-9);

        var observed = Frequencies(new Sampler(new SamplingOptions { Temperature = 0.5, Seed = 5 }), logits, 20_000);
        var expected = Softmax(logits, 0.5);
        for (int i = 0; i < logits.Length; i++) Assert.Equal(expected[i], observed[i], 0.02);
    }

    [Fact]
    public void HighTemperatureFlattens()
    {
        float[] logits = [2f, 0f];
        var d = DistributionOf(new SamplingOptions { Temperature = 4 }, logits);
        Assert.Equal(Math.Exp(0.5), d[0] / d[1], 1e-9);
    }

    [Fact]
    public void TopKOneIsGreedy()
    {
        var rng = new Random(9);
        var topOne = new Sampler(new SamplingOptions { TopK = 1, Seed = 1 });
        var greedy = new Sampler(new SamplingOptions { Temperature = 0 });
        for (int trial = 0; trial < 200; trial++)
        {
            // Coarse values so that ties happen.
            var logits = Enumerable.Range(0, 64).Select(_ => (float)rng.Next(0, 8)).ToArray();
            Assert.Equal(greedy.Sample(logits, NoHistory), topOne.Sample(logits, NoHistory));
        }
    }

    [Fact]
    public void TopKKeepsExactlyTheKLargest()
    {
        float[] logits = [0.1f, 2f, 1f, 3f, -1f];
        var d = DistributionOf(new SamplingOptions { TopK = 2 }, logits);
        Assert.Equal([1, 3], d.Keys.Order());
        double z = Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(3) / z, d[3], 1e-9);
        Assert.Equal(Math.Exp(2) / z, d[1], 1e-9);
    }

    [Fact]
    public void TopPHalfKeepsTheHandComputedNucleus()
    {
        // p = [0.1, 0.4, 0.2, 0.3]. Best first: 0.4 (token 1) < 0.5, 0.4 + 0.3 (token 3) = 0.7 ≥ 0.5 → {1, 3}.
        var logits = LogitsOf(0.1, 0.4, 0.2, 0.3);
        var d = DistributionOf(new SamplingOptions { TopP = 0.5 }, logits);
        Assert.Equal([1, 3], d.Keys.Order());
        Assert.Equal(4.0 / 7, d[1], 1e-6);
        Assert.Equal(3.0 / 7, d[3], 1e-6);

        var sampler = new Sampler(new SamplingOptions { TopP = 0.5, Seed = 2 });
        var observed = Frequencies(sampler, logits, 10_000);
        Assert.Equal(0, observed[0]);
        Assert.Equal(0, observed[2]);
        Assert.Equal(4.0 / 7, observed[1], 0.02);
    }

    [Fact]
    public void TopPAlwaysKeepsAtLeastOneToken()
    {
        var d = DistributionOf(new SamplingOptions { TopP = 0.01 }, LogitsOf(0.1, 0.4, 0.2, 0.3));
        var only = Assert.Single(d);
        Assert.Equal(1, only.Key);
        Assert.Equal(1.0, only.Value);
    }

    [Fact]
    public void TopPOverAFullVocabularyMatchesAFullSort()
    {
        // Flat logits make the nucleus far larger than the first partial selection, so it has to grow.
        const int vocab = 128_256;
        const double topP = 0.6;
        var rng = new Random(4);
        var logits = Enumerable.Range(0, vocab).Select(_ => (float)(2 * rng.NextDouble())).ToArray();
        var p = Softmax(logits);
        var order = Enumerable.Range(0, vocab).OrderByDescending(i => logits[i]).ThenBy(i => i).ToArray();
        var expected = new List<int>();
        double cumulative = 0;
        foreach (int i in order)
        {
            expected.Add(i);
            cumulative += p[i];
            if (cumulative >= topP) break;
        }
        var d = DistributionOf(new SamplingOptions { TopP = topP }, logits);
        Assert.InRange(expected.Count, 1000, vocab - 1);
        Assert.Equal(expected.Order(), d.Keys.Order());
    }

    [Fact]
    public void TopKThenTopPUsesTheRenormalizedTopK()
    {
        // Top-2 of p = [0.1, 0.4, 0.2, 0.3] → {1: 4/7, 3: 3/7}; top_p 0.5 keeps only token 1 (4/7 ≥ 0.5).
        var d = DistributionOf(new SamplingOptions { TopK = 2, TopP = 0.5 }, LogitsOf(0.1, 0.4, 0.2, 0.3));
        Assert.Equal([1], d.Keys);
    }

    [Theory]
    [InlineData(0.25, new[] { 0, 1, 2 })] // threshold 0.125: drops 0.05
    [InlineData(0.5, new[] { 0, 1 })]     // threshold 0.25: drops 0.15 and 0.05
    [InlineData(1.0, new[] { 0 })]
    public void MinPDropsExactlyTheTokensBelowTheScaledThreshold(double minP, int[] kept)
    {
        double[] probs = [0.5, 0.3, 0.15, 0.05];
        var d = DistributionOf(new SamplingOptions { MinP = minP }, LogitsOf(probs));
        Assert.Equal(kept, d.Keys.Order());
        double z = kept.Sum(i => probs[i]);
        foreach (int i in kept) Assert.Equal(probs[i] / z, d[i], 1e-6);
    }

    [Fact]
    public void MinPDrawsNeverLeaveTheKeptSet()
    {
        var logits = LogitsOf(0.5, 0.3, 0.15, 0.05);
        var observed = Frequencies(new Sampler(new SamplingOptions { MinP = 0.5, Seed = 8 }), logits, 10_000);
        Assert.Equal(0, observed[2]);
        Assert.Equal(0, observed[3]);
        Assert.Equal(0.5 / 0.8, observed[0], 0.02);
    }

    [Fact]
    public void RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits()
    {
        float[] logits = [2f, -1f, 0.5f, 3f];
        new Sampler(new SamplingOptions { RepetitionPenalty = 1.25 }).ApplyPenalties(logits, [0, 1, 1]);
        Assert.Equal([2f / 1.25f, -1f * 1.25f, 0.5f, 3f], logits);
    }

    [Fact]
    public void PresenceAndFrequencyPenaltiesFollowTheOpenAIFormula()
    {
        float[] logits = [2f, -1f, 0.5f, 3f, -2f];
        int[] history = [0, 1, 1, 4, 4, 4];
        new Sampler(new SamplingOptions { PresencePenalty = 0.5, FrequencyPenalty = 0.25 }).ApplyPenalties(logits, history);
        Assert.Equal(2 - 0.5 - 0.25 * 1, logits[0], 1e-6);
        Assert.Equal(-1 - 0.5 - 0.25 * 2, logits[1], 1e-6);
        Assert.Equal(0.5, logits[2], 1e-6);
        Assert.Equal(3, logits[3], 1e-6);
        Assert.Equal(-2 - 0.5 - 0.25 * 3, logits[4], 1e-6);
    }

    [Fact]
    public void RepetitionPenaltyComesBeforeTheOpenAIPenalties()
    {
        float[] logits = [2f, -1f];
        new Sampler(new SamplingOptions { RepetitionPenalty = 2, PresencePenalty = 0.5, FrequencyPenalty = 0.1 })
            .ApplyPenalties(logits, [0, 1, 1]);
        Assert.Equal(2.0 / 2 - 0.5 - 0.1, logits[0], 1e-6);
        Assert.Equal(-1.0 * 2 - 0.5 - 0.2, logits[1], 1e-6);
    }

    [Fact]
    public void GreedyWithoutAPenaltyTakesTheRowsArgmaxWhateverTheHistory()
    {
        // no penalty set: the history changes nothing, so the row is read as it is
        var greedy = new Sampler(new SamplingOptions { Temperature = 0 });
        Assert.Equal(1, greedy.Sample([1f, 3f, 3f, 2f], [1, 1, 2]));
        // with one set, the same row and history penalize tokens 1 and 2 (3 / 2 each) below token 3
        var penalized = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2 });
        Assert.Equal(3, penalized.Sample([1f, 3f, 3f, 2f], [1, 2]));
        Assert.Throws<ArgumentException>(() => greedy.Sample([], NoHistory));
    }

    [Fact]
    public void PenaltiesSteerGreedyAwayFromRepeatedTokens()
    {
        float[] logits = [3f, 2.5f, 1f];
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 1.5 });
        Assert.Equal(0, sampler.Sample(logits, NoHistory));
        Assert.Equal(1, sampler.Sample(logits, [0]));
        Assert.Equal([3f, 2.5f, 1f], logits); // the caller's row is untouched
    }

    [Fact]
    public void HistoryOutsideTheVocabularyIsRejected()
    {
        var sampler = new Sampler(new SamplingOptions { RepetitionPenalty = 1.1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => sampler.Sample([1f, 2f], [5]));
    }

    [Fact]
    public void AllMaskedLogitsAreRejected()
    {
        var sampler = new Sampler(new SamplingOptions());
        Assert.Throws<ArgumentException>(() => sampler.Sample([float.NegativeInfinity, float.NegativeInfinity], NoHistory));
    }

    [Fact]
    public void MaskedTokensAreNeverDrawn()
    {
        float[] logits = [0f, float.NegativeInfinity, 0f, float.NegativeInfinity];
        var observed = Frequencies(new Sampler(new SamplingOptions { Seed = 3 }), logits, 2_000);
        Assert.Equal(0, observed[1]);
        Assert.Equal(0, observed[3]);
    }

    [Fact]
    public void SamplingAFullVocabularyRowAllocatesNoBuffersAfterWarmUp()
    {
        var rng = new Random(6);
        var logits = Enumerable.Range(0, 128_256).Select(_ => (float)(4 * rng.NextDouble())).ToArray();
        var history = Enumerable.Range(0, 500).Select(i => i * 7).ToList();
        var sampler = new Sampler(new SamplingOptions { TopK = 50, TopP = 0.9, MinP = 0.05, RepetitionPenalty = 1.1, FrequencyPenalty = 0.2, Seed = 1 });
        for (int i = 0; i < 40; i++) sampler.Sample(logits, history);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) sampler.Sample(logits, history);
        // A per-call row buffer would be ≥ 512 KB each time; allow only a little runtime noise (tiering).
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 8 * 1024);
    }
}
