using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Silo.Conversations;

/// <summary>The persisted part of a conversation: which model, the transcript, and the chat-template state.</summary>
[GenerateSerializer, Alias("smollm3.ConversationState")]
public sealed class ConversationState
{
    /// <summary>Null until the session is created (and again after it is deleted).</summary>
    [Id(0)] public string? Model { get; set; }
    [Id(1)] public List<TurnMessage> Messages { get; set; } = [];

    /// <summary>Whether replies may reason in a &lt;think&gt; section (the template's enable_thinking).</summary>
    [Id(2)] public bool Thinking { get; set; }

    /// <summary>Tool definitions (JSON objects) the template renders as xml_tools; empty = none.</summary>
    [Id(3)] public string[] XmlTools { get; set; } = [];
}
