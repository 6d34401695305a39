using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Tests.Sampling;

public class LogProbsTests
{
    [Fact]
    public void LogSoftmaxMatchesDoubleReferenceAndNormalizes()
    {
        float[] logits = [1.5f, -2.25f, 0f, 3.75f, -0.5f];
        // Reference: log(exp(l_i) / Σ exp(l_j)) directly in double (no max trick needed at this scale).
        double z = logits.Sum(l => Math.Exp(l));
        var dst = new float[logits.Length];
        LogProbs.LogSoftmax(logits, dst);
        for (int i = 0; i < logits.Length; i++) Assert.Equal(Math.Log(Math.Exp(logits[i]) / z), dst[i], 1e-6);
        Assert.Equal(1.0, dst.Sum(lp => Math.Exp(lp)), 1e-6);
    }

    [Fact]
    public void LogSoftmaxIsStableForLargeLogits()
    {
        float[] logits = [1000f, 1001f, 999f];
        var dst = new float[3];
        LogProbs.LogSoftmax(logits, dst);
        // Shift-invariant: same as logits [1, 2, 0].
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(0);
        Assert.Equal(1 - Math.Log(z), dst[0], 1e-5);
        Assert.Equal(2 - Math.Log(z), dst[1], 1e-5);
        Assert.All(dst, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void LogSoftmaxRejectsMismatchedDestination()
    {
        Assert.Throws<ArgumentException>(() => LogProbs.LogSoftmax(new float[3], new float[2]));
    }

    [Fact]
    public void TopNSortsDescendingWithTiesToLowerId()
    {
        float[] lp = [-3f, -1f, -2f, -1f, -0.5f, -2f];
        var top = LogProbs.TopN(lp, 5);
        Assert.Equal([4, 1, 3, 2, 5], top.Select(t => t.TokenId));
        Assert.Equal([-0.5f, -1f, -1f, -2f, -2f], top.Select(t => t.LogProb));
    }

    [Fact]
    public void TopNClampsToTheRowAndHandlesZero()
    {
        float[] lp = [-1f, -2f];
        Assert.Equal([0, 1], LogProbs.TopN(lp, 20).Select(t => t.TokenId));
        Assert.Empty(LogProbs.TopN(lp, 0));
    }

    [Fact]
    public void TopNOverALargeRowMatchesAFullSort()
    {
        var rng = new Random(7);
        var lp = Enumerable.Range(0, 50_000).Select(_ => (float)Math.Round(-10 * rng.NextDouble(), 2)).ToArray();
        var expected = Enumerable.Range(0, lp.Length).OrderByDescending(i => lp[i]).ThenBy(i => i).Take(300);
        Assert.Equal(expected, LogProbs.TopN(lp, 300).Select(t => t.TokenId));
    }

    [Fact]
    public void OfIsTheLogProbabilityOfOneToken()
    {
        float[] logits = [0.25f, 2f, -1f, 0.5f];
        double z = logits.Sum(l => Math.Exp(l));
        for (int t = 0; t < logits.Length; t++) Assert.Equal(Math.Log(Math.Exp(logits[t]) / z), LogProbs.Of(logits, t), 1e-9);
        Assert.Throws<ArgumentOutOfRangeException>(() => LogProbs.Of(logits, 4));
    }

    [Fact]
    public void SampledIsTheLogSoftmaxOfTheTokenAndOfTheRowsBest()
    {
        float[] logits = [0.25f, 2f, -1f, 0.5f, 2f];
        var dst = new float[logits.Length];
        LogProbs.LogSoftmax(logits, dst);
        var sampled = LogProbs.Sampled(logits, token: 3, n: 3);
        Assert.Equal(new TokenLogProb(3, dst[3]), sampled.Token);
        Assert.Equal([new TokenLogProb(1, dst[1]), new TokenLogProb(4, dst[4]), new TokenLogProb(3, dst[3])], sampled.Top);
        Assert.Empty(LogProbs.Sampled(logits, 0, 0).Top);
    }
}
