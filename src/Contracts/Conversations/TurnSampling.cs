namespace SmolLM3.Contracts.Conversations;

/// <summary>Sampling and stopping settings of one turn; null fields take the engine's defaults.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.TurnSampling")]
public sealed record TurnSampling
{
    [Id(0)] public double? Temperature { get; init; }
    [Id(1)] public double? TopP { get; init; }
    [Id(2)] public int? TopK { get; init; }
    [Id(3)] public double? MinP { get; init; }
    [Id(4)] public double? RepetitionPenalty { get; init; }
    [Id(5)] public double? PresencePenalty { get; init; }
    [Id(6)] public double? FrequencyPenalty { get; init; }
    [Id(7)] public long? Seed { get; init; }
    [Id(8)] public int? MaxTokens { get; init; }
    /// <summary>Generation stops once the reply contains one of these; the match is not sent.</summary>
    [Id(9)] public string[] Stop { get; init; } = [];
    /// <summary>Set: the reply is constrained to this shape (JSON, or a tool call); null = free text.</summary>
    [Id(16)] public ReplyFormat? Format { get; init; }
}
