namespace SmolLM3.Contracts.Conversations;

/// <summary>One message of a transcript.</summary>
/// <param name="ToolCallId">Tool messages: the id of the call whose result <paramref name="Content"/> is.</param>
/// <param name="ToolCalls">Assistant messages: the tools it called (its content may then be empty).</param>
[GenerateSerializer, Immutable, Alias("smollm3.TurnMessage")]
public sealed record TurnMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string Content,
    [property: Id(2)] string? ToolCallId = null,
    [property: Id(3)] TurnToolCall[]? ToolCalls = null)
{
    /// <summary>The roles the prompt template understands.</summary>
    public static readonly IReadOnlySet<string> Roles = new HashSet<string> { "system", "user", "assistant", "tool" };
}
