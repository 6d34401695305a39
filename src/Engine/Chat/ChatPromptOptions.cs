using System.Text.Json;

namespace SmolLM3.Engine.Chat;

/// <summary>What a chat template is asked to render besides the messages.</summary>
public sealed record ChatPromptOptions
{
    /// <summary>Append the header that starts the assistant's reply.</summary>
    public bool AddGenerationPrompt { get; init; } = true;

    /// <summary>
    /// <c>enable_thinking</c>; null leaves it undefined so the template's own default applies
    /// (SmolLM3 tests <c>is not defined</c> and then turns thinking on).
    /// </summary>
    public bool? EnableThinking { get; init; }

    /// <summary><c>xml_tools</c>: tool JSON schemas, printed by SmolLM3's template inside <c>&lt;tools&gt;</c>.</summary>
    public IReadOnlyList<JsonElement>? XmlTools { get; init; }

    /// <summary><c>tools</c>: tool JSON schemas in the OpenAI/Hugging Face form.</summary>
    public IReadOnlyList<JsonElement>? Tools { get; init; }

    /// <summary>Further template variables; they override everything else of the same name.</summary>
    public IReadOnlyDictionary<string, object?>? Variables { get; init; }
}
