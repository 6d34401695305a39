using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Templates;

namespace SmolLM3.Silo.Models;

/// <summary>
/// Renders a transcript with the model's own chat template (tokenizer_config.json <c>chat_template</c>),
/// or plain ChatML when the model ships none. Deliberately minimal and replaceable: the richer chat layer
/// (tools, think splitting) will take its place.
/// </summary>
public sealed class PromptRenderer
{
    // ChatML, what SmolLM models are trained on, for checkpoints without a template (e.g. GGUF files here).
    const string ChatMl =
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    readonly ChatTemplate _template;

    public PromptRenderer(string modelPath)
    {
        _template = ChatTemplate.Parse(ReadTemplate(modelPath) ?? ChatMl);
    }

    /// <summary>The prompt text for <paramref name="messages"/>, ending with the assistant's turn opener.</summary>
    public string Render(IEnumerable<TurnMessage> messages, bool thinking) =>
        _template.Render(new Dictionary<string, object?>
        {
            ["messages"] = messages.Select(m => new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
            ["add_generation_prompt"] = true,
            ["enable_thinking"] = thinking,
        });

    static string? ReadTemplate(string modelPath)
    {
        var file = Path.Combine(modelPath, "tokenizer_config.json");
        if (!File.Exists(file)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return doc.RootElement.TryGetProperty("chat_template", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
    }
}
