using SmolLM3.Engine.Generation;

namespace SmolLM3.Engine.Chat;

/// <summary>Something a streaming reply produced; see <see cref="ChatTurn"/>.</summary>
public abstract record ChatEvent;

/// <summary>Text inside <c>&lt;think&gt;</c> … <c>&lt;/think&gt;</c>.</summary>
public sealed record ReasoningDelta(string Text) : ChatEvent;

/// <summary>Text of the answer proper.</summary>
public sealed record AnswerDelta(string Text) : ChatEvent;

/// <summary>A complete, well-formed tool call.</summary>
public sealed record ToolCallEvent(ToolCall Call) : ChatEvent;

/// <summary>Something went wrong but nothing was lost (e.g. a malformed tool call passed on as answer text).</summary>
public sealed record WarningEvent(string Message) : ChatEvent;

/// <summary>The last event of a reply: the reason, the matched stop string if any, and how many tokens were generated.</summary>
public sealed record FinishedEvent(FinishReason Reason, string? StopString, int TokenCount) : ChatEvent;
