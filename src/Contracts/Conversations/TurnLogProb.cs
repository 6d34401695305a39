namespace SmolLM3.Contracts.Conversations;

/// <summary>A generated token's log-probability (natural log), and the most likely tokens at its step.</summary>
/// <param name="TokenId">The token's id in the model's vocabulary.</param>
/// <param name="Token">Its text (a token that ends inside a UTF-8 sequence shows U+FFFD; <paramref name="Bytes"/> are exact).</param>
/// <param name="Bytes">Its UTF-8 bytes.</param>
/// <param name="Top">The most likely tokens of the same step, best first; empty for those entries themselves.</param>
[GenerateSerializer, Immutable, Alias("smollm3.TurnLogProb")]
public sealed record TurnLogProb(
    [property: Id(0)] int TokenId,
    [property: Id(1)] string Token,
    [property: Id(2)] byte[] Bytes,
    [property: Id(3)] float LogProb,
    [property: Id(4)] TurnLogProb[] Top);
