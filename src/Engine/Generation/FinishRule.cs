using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Generation;

/// <summary>When token generation ends, for every generation loop (the CLI's and the cluster's scheduler).</summary>
public static class FinishRule
{
    /// <summary>
    /// Whether sampling <paramref name="token"/> as the <paramref name="produced"/>-th token of a reply ends it: a stop
    /// token wins over the budget, so a reply whose last allowed token is a stop token ended by itself.
    /// </summary>
    public static FinishReason? After(int token, int produced, SamplingOptions sampling) =>
        After(token, produced, sampling.StopTokenIds, sampling.MaxTokens);

    /// <summary>The same rule for a caller that keeps only the stop tokens and the budget.</summary>
    public static FinishReason? After(int token, int produced, IReadOnlySet<int> stopTokenIds, int maxTokens) =>
        stopTokenIds.Contains(token) ? FinishReason.StopToken
        : produced >= maxTokens ? FinishReason.Length
        : null;
}
