using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Silo.Conversations;

/// <summary>The persisted part of a conversation: which model, and the transcript.</summary>
[GenerateSerializer, Alias("smollm3.ConversationState")]
public sealed class ConversationState
{
    /// <summary>Null until the session is created (and again after it is deleted).</summary>
    [Id(0)] public string? Model { get; set; }
    [Id(1)] public List<TurnMessage> Messages { get; set; } = [];
}
