using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.Services;

/// <summary>The messages of a turn, checked the same way for the gRPC and the OpenAI API.</summary>
public static class TurnMessages
{
    /// <summary>The grain messages; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public static TurnMessage[] From(IReadOnlyList<(string? Role, string? Content)> messages)
    {
        if (messages.Count == 0) throw new ArgumentException("messages must contain at least one message");
        return messages.Select((m, i) =>
        {
            if (m.Role is null || !TurnMessage.Roles.Contains(m.Role))
                throw new ArgumentException($"messages[{i}].role '{m.Role}' is not one of system, user, assistant");
            if (string.IsNullOrWhiteSpace(m.Content)) throw new ArgumentException($"messages[{i}].content is empty");
            return new TurnMessage(m.Role, m.Content);
        }).ToArray();
    }
}
