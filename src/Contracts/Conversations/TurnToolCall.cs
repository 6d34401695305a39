namespace SmolLM3.Contracts.Conversations;

/// <summary>A tool call the model made in its reply.</summary>
/// <param name="Id">Unique id of the call ("call_…"), for matching the tool's result to it.</param>
/// <param name="Name">The function to call.</param>
/// <param name="Arguments">Its arguments as JSON text, as the model wrote them.</param>
[GenerateSerializer, Immutable, Alias("smollm3.TurnToolCall")]
public sealed record TurnToolCall(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Arguments)
{
    /// <summary>A call with a new id.</summary>
    public static TurnToolCall New(string name, string arguments) => new("call_" + Guid.NewGuid().ToString("N")[..24], name, arguments);
}
