using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Generation;

/// <summary>
/// One generated token: its log-probability under the unfiltered distribution, the top alternatives
/// when asked for, and on the last token of a generation, why it ended.
/// </summary>
public sealed record GeneratedToken(int Token, double Logprob, IReadOnlyList<TokenLogProb> Top, FinishReason? Finish);
