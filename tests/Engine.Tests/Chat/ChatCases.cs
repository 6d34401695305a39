using System.Text.Json;
using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>Reads rendering cases (fixture or committed test data) into messages and options for <see cref="ChatPromptBuilder"/>.</summary>
static class ChatCases
{
    public static readonly DateTime FixtureDate = new(2026, 11, 22);

    public static string ExtraCasesPath => Path.Combine(AppContext.BaseDirectory, "Chat", "Data", "smollm3-extra.json");

    public static JsonElement[] Load(string path) =>
        [.. JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases").EnumerateArray()];

    public static ChatMessage[] Messages(JsonElement messages) => [.. messages.EnumerateArray().Select(m => new ChatMessage(
        m.GetProperty("role").GetString()!,
        m.GetProperty("content").GetString()!,
        m.TryGetProperty("reasoning", out var r) ? r.GetString() : null,
        m.TryGetProperty("tool_calls", out var calls)
            ? [.. calls.EnumerateArray().Select(c => new ToolCall(c.GetProperty("name").GetString()!, c.GetProperty("arguments").GetString()!))]
            : null))];

    /// <summary>Options from an object holding add_generation_prompt, enable_thinking, xml_tools, tools, variables.</summary>
    public static ChatPromptOptions Options(JsonElement o) => new()
    {
        AddGenerationPrompt = !o.TryGetProperty("add_generation_prompt", out var g) || g.GetBoolean(),
        EnableThinking = o.TryGetProperty("enable_thinking", out var t) ? t.GetBoolean() : null,
        XmlTools = o.TryGetProperty("xml_tools", out var x) ? [.. x.EnumerateArray()] : null,
        Tools = o.TryGetProperty("tools", out var tl) ? [.. tl.EnumerateArray()] : null,
        Variables = o.TryGetProperty("variables", out var v) ? SmolLM3.Engine.Templates.ChatTemplate.VariablesFromJson(v) : null,
    };
}
