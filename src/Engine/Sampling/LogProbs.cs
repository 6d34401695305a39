namespace SmolLM3.Engine.Sampling;

/// <summary>A token with its log-probability.</summary>
public readonly record struct TokenLogProb(int TokenId, float LogProb);

/// <summary>A sampled token's log-probability and the most likely tokens of the same distribution, best first.</summary>
public sealed record SampledLogProbs(TokenLogProb Token, IReadOnlyList<TokenLogProb> Top);

/// <summary>Log-probabilities of raw logits, for reporting alternatives and scoring given continuations.</summary>
public static class LogProbs
{
    /// <summary>dst[i] = logits[i] − log Σ exp(logits): max subtracted first, the normalizer summed in double.</summary>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> dst)
    {
        if (dst.Length != logits.Length)
            throw new ArgumentException($"destination length {dst.Length} differs from logits length {logits.Length}.", nameof(dst));
        double logZ = LogNormalizer(logits);
        for (int i = 0; i < logits.Length; i++) dst[i] = (float)(logits[i] - logZ);
    }

    /// <summary>
    /// The <paramref name="n"/> most likely tokens, best first, ties to the lower id; impossible ones (−∞, masked out
    /// by a reply's grammar) are left out, so there may be fewer.
    /// </summary>
    public static IReadOnlyList<TokenLogProb> TopN(ReadOnlySpan<float> logprobs, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        n = Math.Min(n, logprobs.Length);
        if (n == 0) return [];
        var ids = n <= 256 ? stackalloc int[n] : new int[n];
        TopSelection.Select(logprobs, n, ids);
        var result = new List<TokenLogProb>(n);
        for (int i = 0; i < n; i++)
            if (!float.IsNegativeInfinity(logprobs[ids[i]])) result.Add(new TokenLogProb(ids[i], logprobs[ids[i]]));
        return result;
    }

    /// <summary>
    /// <paramref name="token"/>'s log-probability under softmax(<paramref name="logits"/>) and the <paramref name="n"/>
    /// most likely tokens', without a vocabulary-sized buffer (the ranking of logits is that of their log-probabilities).
    /// </summary>
    public static SampledLogProbs Sampled(ReadOnlySpan<float> logits, int token, int n)
    {
        double logZ = LogNormalizer(logits);
        var top = TopN(logits, n).Select(t => new TokenLogProb(t.TokenId, (float)(t.LogProb - logZ))).ToArray();
        return new SampledLogProbs(new TokenLogProb(token, (float)(logits[token] - logZ)), top);
    }

    /// <summary>log p(token) under softmax(logits), in double: for scoring a given continuation.</summary>
    public static double Of(ReadOnlySpan<float> logits, int token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, logits.Length);
        return logits[token] - LogNormalizer(logits);
    }

    /// <summary>log Σ exp(logits), stable: max + log Σ exp(l − max).</summary>
    static double LogNormalizer(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty) throw new ArgumentException("logits row is empty.", nameof(logits));
        double max = double.NegativeInfinity;
        foreach (float l in logits) if (l > max) max = l;
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (float l in logits) sum += Math.Exp(l - max);
        return max + Math.Log(sum);
    }
}
