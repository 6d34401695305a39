namespace SmolLM3.Contracts.Conversations;

/// <summary>One message of a transcript.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.TurnMessage")]
public sealed record TurnMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string Content)
{
    /// <summary>The roles the prompt template understands.</summary>
    public static readonly IReadOnlySet<string> Roles = new HashSet<string> { "system", "user", "assistant" };
}
