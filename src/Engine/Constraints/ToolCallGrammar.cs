using System.Text.Json;
using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Constraints;

/// <summary>
/// A reply that is exactly one tool call in SmolLM3's markup, as <see cref="ToolCallMarkup"/> writes it and
/// <see cref="ToolCallParser"/> reads it: <c>&lt;tool_call&gt;\n{"name": "f", "arguments": {…}}\n&lt;/tool_call&gt;</c>,
/// the arguments following that function's parameters schema (any object when it has none).
/// </summary>
public static class ToolCallGrammar
{
    /// <param name="definitions">The tools' JSON definitions: function objects (name, description, parameters), bare or as <c>{"type": "function", "function": …}</c>.</param>
    /// <param name="name">The function the call must name; null: any of them.</param>
    public static GrammarFrame For(IReadOnlyList<string> definitions, string? name)
    {
        var functions = definitions.Select(Function).Where(f => name is null || f.Name == name).ToList();
        if (functions.Count == 0)
            throw new UnsupportedSchemaException(name is null ? "a tool call was required but no tools are defined" : $"tool_choice names '{name}', which is not among the tools");
        var calls = functions.Select(f => JsonGrammar.Sequence(
            JsonGrammar.Literal(JsonSerializer.Serialize(f.Name) + ", \"arguments\": "),
            f.Parameters is { } p ? Parameters(p, f.Name) : JsonGrammar.AnyObject)).ToArray();
        return JsonGrammar.Sequence(JsonGrammar.Literal(ToolCallParser.OpenTag + "\n{\"name\": "), JsonGrammar.Choice(calls),
            JsonGrammar.Literal("}\n" + ToolCallParser.CloseTag));
    }

    static GrammarFrame Parameters(string schema, string function)
    {
        try
        {
            return JsonSchemaCompiler.Compile(schema);
        }
        catch (UnsupportedSchemaException e)
        {
            throw new UnsupportedSchemaException($"parameters of tool '{function}': {e.Message}");
        }
    }

    static (string Name, string? Parameters) Function(string definition)
    {
        using var doc = JsonDocument.Parse(definition);
        var f = doc.RootElement.TryGetProperty("function", out var inner) ? inner : doc.RootElement;
        var name = f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "";
        var parameters = f.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p.GetRawText() : null;
        return (name, parameters);
    }
}
