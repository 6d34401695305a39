using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Chat;

namespace SmolLM3.Silo.Models;

/// <summary>
/// Renders a transcript with the model's own chat template (tokenizer_config.json / chat_template.jinja,
/// or a GGUF's tokenizer.chat_template), or ChatML for checkpoints that ship none, through the engine's chat layer.
/// </summary>
public sealed class PromptRenderer(ChatPromptBuilder builder)
{
    /// <summary>The prompt text for <paramref name="messages"/>, ending with the assistant's turn opener.</summary>
    public string Render(IEnumerable<TurnMessage> messages, bool thinking, IReadOnlyList<string>? xmlTools = null) =>
        builder.Render(messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList(), new ChatPromptOptions
        {
            EnableThinking = thinking,
            XmlTools = xmlTools is { Count: > 0 } ? [.. xmlTools.Select(t => JsonDocument.Parse(t).RootElement.Clone())] : null,
        });
}
