using System.Text.Json;
using SmolLM3.Engine.Templates;

namespace SmolLM3.Engine.Tests.Templates;

/// <summary>Renders test templates against one fixed set of variables and a clock fixed at 2026-11-22 09:05:07.</summary>
static class TemplateHarness
{
    public static readonly DateTime Now = new(2026, 11, 22, 9, 5, 7);

    const string VariablesJson = """
        {"s": "Hello World", "n": 3, "f": 2.5, "xs": [3, 1, 2], "words": ["b", "A", "c", "a", "B"],
         "d": {"a": 1, "b": [1, 2.0], "c": null, "e": true},
         "msgs": [{"role": "system", "content": "sys"}, {"role": "user", "content": "hi"},
                  {"role": "assistant", "content": "yo", "tool_calls": [{"function": {"name": "f", "arguments": {"x": 1}}}]},
                  {"role": "user", "content": "bye"}],
         "u": "héllo ✓ 日本 😀", "t": true, "empty": [], "nothing": null, "quote": "it's \"q\"\n", "pad": "  \n pad me \t"}
        """;

    public static IReadOnlyDictionary<string, object?> Variables { get; } =
        ChatTemplate.VariablesFromJson(JsonDocument.Parse(VariablesJson).RootElement);

    public static string Render(string template) => ChatTemplate.Parse(template, () => Now).Render(Variables);
}
