using System.Text.Json;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Templates;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// Renders a conversation through a model's chat template and tokenizes the result, parsing special
/// tokens (the template writes them as text, e.g. <c>&lt;|im_start|&gt;</c>). Thread-safe once built.
/// </summary>
public sealed class ChatPromptBuilder
{
    readonly ChatTemplate template;

    /// <param name="templateSource">The template text (from the model, or a <c>--template FILE</c> override).</param>
    /// <param name="globals">Variables every render sees, typically <c>bos_token</c> and <c>eos_token</c>.</param>
    /// <param name="now">Clock for <c>strftime_now</c>; local time by default.</param>
    public ChatPromptBuilder(string templateSource, IReadOnlyDictionary<string, object?>? globals = null, Func<DateTime>? now = null)
    {
        TemplateSource = templateSource;
        Globals = globals ?? new Dictionary<string, object?>();
        template = ChatTemplate.Parse(templateSource, now);
        ReadsToolCalls = templateSource.Contains("tool_calls", StringComparison.Ordinal);
    }

    public string TemplateSource { get; }

    /// <summary>
    /// Whether the template reads messages' <c>tool_calls</c> at all; SmolLM3's does not, and renders an assistant's
    /// calls only as they appear in its content (see <see cref="ToolCallMarkup"/>).
    /// </summary>
    public bool ReadsToolCalls { get; }
    public IReadOnlyDictionary<string, object?> Globals { get; }

    public static ChatPromptBuilder FromHuggingFace(string folder, Func<DateTime>? now = null)
    {
        var (source, globals) = ChatTemplateSource.FromHuggingFace(folder);
        return new(source, globals, now);
    }

    public static ChatPromptBuilder FromGguf(GgufMetadata metadata, Func<DateTime>? now = null)
    {
        var (source, globals) = ChatTemplateSource.FromGguf(metadata);
        return new(source, globals, now);
    }

    /// <summary>The template of the model at <paramref name="path"/> (HF folder or GGUF), or ChatML when its files carry none.</summary>
    public static ChatPromptBuilder ForModel(string path, Func<DateTime>? now = null)
    {
        if (Directory.Exists(path))
        {
            var (source, globals) = ChatTemplateSource.FromHuggingFace(path, ChatTemplateSource.ChatMl);
            return new(source, globals, now);
        }
        using var gguf = GgufFile.Open(path);
        var (template, ggufGlobals) = ChatTemplateSource.FromGguf(gguf.Metadata, fallback: ChatTemplateSource.ChatMl);
        return new(template, ggufGlobals, now);
    }

    /// <summary>The same globals with another template, for a <c>--template FILE</c> override.</summary>
    public ChatPromptBuilder WithTemplate(string templateSource, Func<DateTime>? now = null) => new(templateSource, Globals, now);

    /// <summary>Renders <paramref name="messages"/>; throws <see cref="ArgumentException"/> for an empty list or unknown role.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, ChatPromptOptions? options = null)
    {
        Validate(messages);
        options ??= new ChatPromptOptions();
        var vars = new Dictionary<string, object?>(Globals)
        {
            ["messages"] = messages.Select(MessageValue).ToList(),
            ["add_generation_prompt"] = options.AddGenerationPrompt,
        };
        if (options.EnableThinking is { } thinking) vars["enable_thinking"] = thinking;
        if (options.XmlTools is { } xml) vars["xml_tools"] = xml.Select(TemplateJson.FromJson).ToList();
        if (options.Tools is { } tools) vars["tools"] = tools.Select(TemplateJson.FromJson).ToList();
        foreach (var (name, value) in options.Variables ?? new Dictionary<string, object?>()) vars[name] = value;
        try
        {
            return template.Render(vars);
        }
        catch (TemplateRaisedException e)
        {
            throw new ChatTemplateException(e.Message, raisedByTemplate: true, e);
        }
        catch (TemplateException e)
        {
            throw new ChatTemplateException($"chat template failed: {e.Message}", raisedByTemplate: false, e);
        }
    }

    /// <summary>Renders and tokenizes with special tokens parsed.</summary>
    public ChatPrompt Build(IReadOnlyList<ChatMessage> messages, TextTokenizer tokenizer, ChatPromptOptions? options = null)
    {
        var text = Render(messages, options);
        return new ChatPrompt(text, [.. tokenizer.Encode(text, parseSpecial: true)], ChatPrompt.EndsInsideReasoning(text));
    }

    static void Validate(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0) throw new ArgumentException("a chat needs at least one message", nameof(messages));
        for (var i = 0; i < messages.Count; i++)
            if (!ChatRoles.IsKnown(messages[i].Role))
                throw new ArgumentException($"message {i} has unknown role '{messages[i].Role}' (expected system, user, assistant or tool)", nameof(messages));
    }

    // Keys are present only when set, so templates' `is defined` tests see what the caller gave.
    static object? MessageValue(ChatMessage m)
    {
        var d = new Dictionary<string, object?> { ["role"] = m.Role, ["content"] = m.Content };
        if (m.Reasoning is not null) d["reasoning_content"] = m.Reasoning;
        if (m.ToolCalls is { Count: > 0 } calls) d["tool_calls"] = calls.Select(ToolCallValue).ToList();
        if (m.ToolCallId is not null) d["tool_call_id"] = m.ToolCallId;
        return d;
    }

    // Hugging Face shape: {"type": "function", "function": {"name", "arguments"}}; arguments as an object
    // when they parse as one (templates apply tojson to them), else as the text.
    static object? ToolCallValue(ToolCall c)
    {
        object? args = c.Arguments;
        try
        {
            using var doc = JsonDocument.Parse(c.Arguments);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) args = TemplateJson.FromJson(doc.RootElement);
        }
        catch (JsonException) { }
        return new Dictionary<string, object?>
        {
            ["type"] = "function",
            ["function"] = new Dictionary<string, object?> { ["name"] = c.Name, ["arguments"] = args },
        };
    }
}
