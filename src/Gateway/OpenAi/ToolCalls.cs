using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>A tool call of the assistant's message, in OpenAI's shape: <c>{"id", "type": "function", "function": {…}}</c>.</summary>
public sealed record MessageToolCall(string Id, FunctionCall Function)
{
    public string Type => "function";

    public static MessageToolCall From(TurnToolCall call) => new(call.Id, new FunctionCall(call.Name, call.Arguments));
}

/// <summary>A tool call in a streamed delta: the message's shape plus the call's position among the reply's calls.</summary>
public sealed record ChunkToolCall(int Index, string Id, FunctionCall Function)
{
    public string Type => "function";
}

/// <summary>The function a call names, and its arguments as a JSON string.</summary>
public sealed record FunctionCall(string Name, string Arguments);
