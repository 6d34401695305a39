namespace SmolLM3.Engine.Chat;

/// <summary>The roles a chat template understands; other strings are rejected when a prompt is built.</summary>
public static class ChatRoles
{
    public const string System = "system", User = "user", Assistant = "assistant", Tool = "tool";

    /// <summary>Whether <paramref name="role"/> is one of the four known roles (case-sensitive, as templates compare them).</summary>
    public static bool IsKnown(string role) => role is System or User or Assistant or Tool;
}

/// <summary>A function call made by the assistant; <see cref="Arguments"/> is JSON text, kept as the model wrote it.</summary>
public sealed record ToolCall(string Name, string Arguments);

/// <summary>
/// One turn of a conversation. <paramref name="Reasoning"/> (the text of a <c>&lt;think&gt;</c> block) and
/// <paramref name="ToolCalls"/> apply to assistant turns, <paramref name="ToolCallId"/> to tool results; templates
/// see them as <c>reasoning_content</c>, <c>tool_calls</c> and <c>tool_call_id</c>, the names Hugging Face uses.
/// </summary>
public sealed record ChatMessage(string Role, string Content, string? Reasoning = null, IReadOnlyList<ToolCall>? ToolCalls = null, string? ToolCallId = null)
{
    public static ChatMessage System(string content) => new(ChatRoles.System, content);
    public static ChatMessage User(string content) => new(ChatRoles.User, content);
    public static ChatMessage Assistant(string content, string? reasoning = null, IReadOnlyList<ToolCall>? toolCalls = null) =>
        new(ChatRoles.Assistant, content, reasoning, toolCalls);
    public static ChatMessage Tool(string content, string? toolCallId = null) => new(ChatRoles.Tool, content, ToolCallId: toolCallId);
}
