namespace SmolLM3.Contracts.Conversations;

/// <summary>One turn: messages to append to the transcript, then a reply generated with these settings.</summary>
/// <param name="Thinking">Reasoning mode from this turn on; null keeps the session's.</param>
/// <param name="MaxContextTokens">The caller's cap on prompt plus reply tokens (a tenant's allowance) when below the model's context; null = none.</param>
/// <param name="XmlTools">Tool definitions (JSON objects) from this turn on; null keeps the session's.</param>
/// <param name="ParseToolCalls">False leaves &lt;tool_call&gt; blocks of the reply as text (OpenAI's tool_choice "none").</param>
/// <param name="TopLogProbs">Set (0–20): Delta chunks carry their tokens' log-probabilities, each with this many most likely alternatives.</param>
[GenerateSerializer, Immutable, Alias("smollm3.ChatTurnRequest")]
public sealed record ChatTurnRequest(
    [property: Id(0)] TurnMessage[] Messages,
    [property: Id(1)] TurnSampling Sampling,
    [property: Id(2)] bool? Thinking,
    [property: Id(3)] int? MaxContextTokens = null,
    [property: Id(4)] string[]? XmlTools = null,
    [property: Id(5)] bool ParseToolCalls = true,
    [property: Id(6)] int? TopLogProbs = null)
{
    /// <summary>The most alternatives per token a request may ask for (OpenAI's bound).</summary>
    public const int MaxTopLogProbs = 20;
}
