using System.Text.Json;
using System.Text.Json.Nodes;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Chat;

namespace SmolLM3.Silo.Models;

/// <summary>
/// Renders a transcript with the model's own chat template (tokenizer_config.json / chat_template.jinja,
/// or a GGUF's tokenizer.chat_template), or ChatML for checkpoints that ship none, through the engine's chat layer.
/// </summary>
public sealed class PromptRenderer(ChatPromptBuilder builder)
{
    /// <summary>
    /// The prompt text for <paramref name="messages"/>, ending with the assistant's turn opener. Tool definitions go
    /// to the template twice: as given in <c>xml_tools</c> (SmolLM3's variable) and in OpenAI's
    /// <c>{"type": "function", "function": …}</c> shape in <c>tools</c> (what other templates read).
    /// </summary>
    public string Render(IEnumerable<TurnMessage> messages, bool thinking, IReadOnlyList<string>? xmlTools = null)
    {
        var tools = xmlTools is { Count: > 0 } ? xmlTools.Select(t => JsonDocument.Parse(t).RootElement.Clone()).ToList() : null;
        return builder.Render(messages.Select(ToChatMessage).ToList(), new ChatPromptOptions
        {
            EnableThinking = thinking,
            XmlTools = tools,
            Tools = tools?.Select(AsFunctionTool).ToList(),
        });
    }

    /// <summary>An assistant's calls go in <c>tool_calls</c> to templates that read them, else written into its content as SmolLM3 writes calls.</summary>
    ChatMessage ToChatMessage(TurnMessage m)
    {
        var calls = m.ToolCalls is { Length: > 0 } c ? c.Select(x => new ToolCall(x.Name, x.Arguments)).ToList() : null;
        return calls is null || builder.ReadsToolCalls
            ? new(m.Role, m.Content, ToolCalls: calls, ToolCallId: m.ToolCallId)
            : new(m.Role, ToolCallMarkup.Append(m.Content, calls), ToolCallId: m.ToolCallId);
    }

    /// <summary>A definition already in OpenAI's shape as it is; a bare function (name, description, parameters) wrapped in it.</summary>
    static JsonElement AsFunctionTool(JsonElement tool)
    {
        if (tool.TryGetProperty("function", out _)) return tool;
        var wrapped = new JsonObject { ["type"] = "function", ["function"] = JsonNode.Parse(tool.GetRawText()) };
        return JsonSerializer.SerializeToElement(wrapped);
    }
}
