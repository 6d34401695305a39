using System.Text;
using System.Text.Json;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// Finds <c>&lt;tool_call&gt;{"name": …, "arguments": …}&lt;/tool_call&gt;</c> in streamed answer text.
/// Text outside calls passes through as <see cref="AnswerDelta"/>; a call that is not valid (bad JSON,
/// no name, never closed) comes back as its original text after a <see cref="WarningEvent"/>, never dropped.
/// </summary>
public sealed class ToolCallParser
{
    public const string OpenTag = "<tool_call>", CloseTag = "</tool_call>";

    readonly StringBuilder pending = new();
    bool inCall;

    /// <summary>Feeds answer text; returns the events it settles.</summary>
    public IReadOnlyList<ChatEvent> Push(string chunk)
    {
        pending.Append(chunk);
        var output = new List<ChatEvent>();
        while (true)
        {
            var text = pending.ToString();
            var tag = inCall ? CloseTag : OpenTag;
            var at = text.IndexOf(tag, StringComparison.Ordinal);
            if (at < 0)
            {
                // Inside a call everything waits for the close tag; outside only a possible open tag waits.
                if (!inCall)
                {
                    var ready = text.Length - PartialMatch.HeldBack(text, OpenTag);
                    if (ready > 0) output.Add(new AnswerDelta(text[..ready]));
                    pending.Remove(0, ready);
                }
                return output;
            }
            if (inCall) output.AddRange(Complete(text[..at]));
            else if (at > 0) output.Add(new AnswerDelta(text[..at]));
            pending.Remove(0, at + tag.Length);
            inCall = !inCall;
        }
    }

    /// <summary>Releases held text; an unterminated call comes back as text with a warning.</summary>
    public IReadOnlyList<ChatEvent> Flush()
    {
        var text = pending.ToString();
        pending.Clear();
        if (inCall)
        {
            inCall = false;
            return [new WarningEvent("tool call not terminated by </tool_call>; passed on as text"), new AnswerDelta(OpenTag + text)];
        }
        return text.Length > 0 ? [new AnswerDelta(text)] : [];
    }

    static IReadOnlyList<ChatEvent> Complete(string body)
    {
        var (call, problem) = Parse(body);
        return call is not null
            ? [new ToolCallEvent(call)]
            : [new WarningEvent($"malformed tool call ({problem}); passed on as text"), new AnswerDelta(OpenTag + body + CloseTag)];
    }

    // Arguments stay JSON text: an object's raw text, or a string's value (some models quote the object).
    static (ToolCall? Call, string? Problem) Parse(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, "not a JSON object");
            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } n)
                return (null, "no \"name\" string");
            var args = !root.TryGetProperty("arguments", out var a) ? "{}"
                : a.ValueKind == JsonValueKind.String ? a.GetString()! : a.GetRawText();
            return (new ToolCall(n, args), null);
        }
        catch (JsonException e)
        {
            return (null, $"invalid JSON: {e.Message}");
        }
    }
}
