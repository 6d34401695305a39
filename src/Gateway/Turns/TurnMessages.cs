using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.Turns;

/// <summary>The messages of a turn, checked the same way for the gRPC and the OpenAI API.</summary>
public static class TurnMessages
{
    /// <summary>
    /// <paramref name="messages"/> once checked; throws <see cref="InvalidRequestException"/> naming the first bad one.
    /// Content may be empty only in a tool's result and in an assistant message that calls tools.
    /// </summary>
    public static TurnMessage[] Check(IReadOnlyList<TurnMessage> messages)
    {
        if (messages.Count == 0) throw new InvalidRequestException("messages must contain at least one message");
        for (int i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (!TurnMessage.Roles.Contains(m.Role))
                throw new InvalidRequestException($"messages[{i}].role '{m.Role}' is not one of system, user, assistant, tool");
            if (m.ToolCalls is { Length: > 0 } calls)
            {
                if (m.Role != "assistant") throw new InvalidRequestException($"messages[{i}].tool_calls is only allowed on assistant messages");
                for (int j = 0; j < calls.Length; j++) CheckCall(calls[j], $"messages[{i}].tool_calls[{j}]");
            }
            else if (m.Role == "tool")
            {
                if (string.IsNullOrWhiteSpace(m.ToolCallId)) throw new InvalidRequestException($"messages[{i}].tool_call_id is required in a tool message");
                CheckId(m.ToolCallId, $"messages[{i}].tool_call_id");
            }
            else if (string.IsNullOrWhiteSpace(m.Content)) throw new InvalidRequestException($"messages[{i}].content is empty");
        }
        return [.. messages];
    }

    /// <summary>Longest tool call id accepted (OpenAI's are about 30 characters).</summary>
    public const int MaxIdChars = 256;

    /// <summary>A call id goes into the prompt: short, and one line.</summary>
    static void CheckId(string id, string at)
    {
        if (id.Length > MaxIdChars) throw new InvalidRequestException($"{at} is {id.Length} characters; at most {MaxIdChars} are allowed");
        if (id.Any(char.IsControl)) throw new InvalidRequestException($"{at} contains a control character");
    }

    static void CheckCall(TurnToolCall call, string at)
    {
        if (string.IsNullOrWhiteSpace(call.Id)) throw new InvalidRequestException($"{at}.id is required");
        CheckId(call.Id, $"{at}.id");
        if (string.IsNullOrWhiteSpace(call.Name)) throw new InvalidRequestException($"{at}.function.name is required");
        try
        {
            using var _ = JsonDocument.Parse(call.Arguments ?? "");
        }
        catch (JsonException e)
        {
            throw new InvalidRequestException($"{at}.function.arguments is not valid JSON: {e.Message}");
        }
    }
}
