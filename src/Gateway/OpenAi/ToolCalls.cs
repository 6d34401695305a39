using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>A tool call of the assistant's message, in OpenAI's shape: <c>{"id", "type": "function", "function": {…}}</c>.</summary>
public sealed record MessageToolCall(string Id, FunctionCall Function)
{
    public string Type => "function";

    public static MessageToolCall From(TurnToolCall call) => new(call.Id, new FunctionCall(call.Name, call.Arguments));
}

/// <summary>
/// A piece of a tool call in a streamed delta, as OpenAI streams them: the first piece of a call carries its index,
/// id, type and name (arguments empty), later ones the index and more of the arguments.
/// </summary>
public sealed record ChunkToolCall(int Index, string? Id, string? Type, ChunkFunction Function)
{
    /// <summary>The pieces of <paramref name="call"/>, the reply's call number <paramref name="index"/>.</summary>
    public static IEnumerable<ChunkToolCall> Pieces(int index, TurnToolCall call)
    {
        yield return new(index, call.Id, "function", new ChunkFunction(call.Name, ""));
        yield return new(index, null, null, new ChunkFunction(null, call.Arguments));
    }
}

/// <summary>The function a call names, and its arguments as a JSON string.</summary>
public sealed record FunctionCall(string Name, string Arguments);

/// <summary>What a streamed piece adds to a call's function: its name (first piece) or more arguments.</summary>
public sealed record ChunkFunction(string? Name, string? Arguments);
