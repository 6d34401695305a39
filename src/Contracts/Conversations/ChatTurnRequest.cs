namespace SmolLM3.Contracts.Conversations;

/// <summary>One turn: messages to append to the transcript, then a reply generated with these settings.</summary>
/// <param name="Thinking">Reasoning mode from this turn on; null keeps the session's.</param>
/// <param name="MaxContextTokens">The caller's cap on prompt plus reply tokens (a tenant's allowance) when below the model's context; null = none.</param>
/// <param name="XmlTools">Tool definitions (JSON objects) from this turn on; null keeps the session's.</param>
/// <param name="QueueTimeout">
/// Longest the turn may wait in its silo's queue before any of its prompt is scheduled (a tenant's bound; prefill
/// does not count); past it the turn is refused with <see cref="Errors.QueueTimeoutException"/>. Null = no bound.
/// </param>
/// <param name="Weight">The tenant's weight in its silo's round-robin admission (turns it may start in a row in its turn); null = 1.</param>
/// <param name="ParseToolCalls">False leaves &lt;tool_call&gt; blocks of the reply as text (OpenAI's tool_choice "none").</param>
/// <param name="TopLogProbs">Set (0–20): Delta chunks carry their tokens' log-probabilities, each with this many most likely alternatives.</param>
/// <param name="Choices">
/// Stateless turns: replies sampled for the one prompt (1–<see cref="MaxChoices"/>), run together on one silo so they share
/// the prompt's KV; above 1 every chunk but Started and the one Usage at the end names its <see cref="ChatChunk.Choice"/>.
/// </param>
/// <param name="RawPrompt">Stateless turns: the one message's content is the whole prompt, tokenized as is (no chat template).</param>
[GenerateSerializer, Immutable, Alias("smollm3.ChatTurnRequest")]
public sealed record ChatTurnRequest(
    [property: Id(0)] TurnMessage[] Messages,
    [property: Id(1)] TurnSampling Sampling,
    [property: Id(2)] bool? Thinking,
    [property: Id(3)] int? MaxContextTokens = null,
    [property: Id(4)] string[]? XmlTools = null,
    [property: Id(5)] TimeSpan? QueueTimeout = null,
    [property: Id(6)] int? Weight = null,
    [property: Id(7)] bool ParseToolCalls = true,
    [property: Id(8)] int? TopLogProbs = null,
    [property: Id(20)] int Choices = 1,
    [property: Id(21)] bool RawPrompt = false)
{
    /// <summary>The most replies one request may ask for.</summary>
    public const int MaxChoices = 8;

    /// <summary>The most alternatives per token a request may ask for (OpenAI's bound).</summary>
    public const int MaxTopLogProbs = 20;
}
