using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Silo.Models;

/// <summary>
/// Renders a transcript with the model's own chat template — from tokenizer_config.json /
/// chat_template.jinja, or a GGUF's tokenizer.chat_template — through the engine's chat layer, and falls
/// back to plain ChatML (what SmolLM models are trained on) for checkpoints that ship none.
/// </summary>
public sealed class PromptRenderer(string modelPath)
{
    const string ChatMl =
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    readonly ChatPromptBuilder _builder = Open(modelPath);

    /// <summary>The prompt text for <paramref name="messages"/>, ending with the assistant's turn opener.</summary>
    public string Render(IEnumerable<TurnMessage> messages, bool thinking) =>
        _builder.Render(messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList(), new ChatPromptOptions { EnableThinking = thinking });

    static ChatPromptBuilder Open(string path)
    {
        try
        {
            if (Directory.Exists(path)) return ChatPromptBuilder.FromHuggingFace(path);
            using var gguf = GgufFile.Open(path);
            return ChatPromptBuilder.FromGguf(gguf.Metadata);
        }
        catch (ModelFormatException)
        {
            // the model files carry no chat template
            return new ChatPromptBuilder(ChatMl);
        }
    }
}
