namespace SmolLM3.Contracts.Conversations;

/// <summary>What a conversation grain reports about itself.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.SessionInfo")]
public sealed record SessionInfo(
    [property: Id(0)] string Model,
    [property: Id(1)] int MessageCount,
    [property: Id(2)] int CachedTokens);
