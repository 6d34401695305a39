using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.Turns;

/// <summary>The messages of a turn, checked the same way for the gRPC and the OpenAI API.</summary>
public static class TurnMessages
{
    /// <summary>The grain messages; throws <see cref="InvalidRequestException"/> naming the first bad one.</summary>
    public static TurnMessage[] From(IReadOnlyList<(string? Role, string? Content)> messages)
    {
        if (messages.Count == 0) throw new InvalidRequestException("messages must contain at least one message");
        return messages.Select((m, i) =>
        {
            if (m.Role is null || !TurnMessage.Roles.Contains(m.Role))
                throw new InvalidRequestException($"messages[{i}].role '{m.Role}' is not one of system, user, assistant");
            if (string.IsNullOrWhiteSpace(m.Content)) throw new InvalidRequestException($"messages[{i}].content is empty");
            return new TurnMessage(m.Role, m.Content);
        }).ToArray();
    }
}
