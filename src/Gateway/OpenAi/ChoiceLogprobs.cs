using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>A choice's <c>logprobs</c>: one entry per generated token (a stop token is not one).</summary>
public sealed record ChoiceLogprobs(IReadOnlyList<LogprobContent> Content)
{
    /// <summary>The entries of <paramref name="logProbs"/>, or null when the turn reported none.</summary>
    public static ChoiceLogprobs? From(IEnumerable<TurnLogProb>? logProbs) =>
        logProbs is null ? null : new([.. logProbs.Select(p => new LogprobContent(p.Token, p.LogProb, Bytes(p), [.. p.Top.Select(Alternative)]))]);

    static TopLogprob Alternative(TurnLogProb p) => new(p.Token, p.LogProb, Bytes(p));

    // OpenAI sends bytes as a list of integers, not base64.
    static int[] Bytes(TurnLogProb p) => [.. p.Bytes.Select(b => (int)b)];
}

/// <summary>A token, its log-probability, its UTF-8 bytes, and the step's most likely tokens.</summary>
public sealed record LogprobContent(string Token, double Logprob, int[] Bytes, IReadOnlyList<TopLogprob> TopLogprobs);

/// <summary>One of a step's most likely tokens.</summary>
public sealed record TopLogprob(string Token, double Logprob, int[] Bytes);
