using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Generation;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token was produced.</summary>
    Stop,
    /// <summary>MaxTokens were produced.</summary>
    Length,
}

/// <summary>
/// One generated token: its log-probability under the unfiltered distribution, the top alternatives
/// when asked for, and on the last token of a generation, why it ended.
/// </summary>
public sealed record GeneratedToken(int Token, double Logprob, IReadOnlyList<TokenLogProb> Top, FinishReason? Finish);
