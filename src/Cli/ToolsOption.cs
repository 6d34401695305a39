using System.CommandLine;
using System.Text.Json;

namespace SmolLM3.Cli;

/// <summary><c>--tools FILE</c>: a JSON array of tool definitions, given to the template as SmolLM3's <c>xml_tools</c>.</summary>
static class ToolsOption
{
    public static Option<string?> Create() => new("--tools") { Description = "JSON file with an array of tool definitions (SmolLM3 xml_tools); calls come back as [tool call] lines" };

    public static IReadOnlyList<JsonElement>? Read(ParseResult parsed, Option<string?> option)
    {
        if (parsed.GetValue(option) is not { } file) return null;
        if (!File.Exists(file)) throw new CliUsageException($"--tools: file not found: {file}");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new CliUsageException($"--tools: {file} must hold a JSON array of tool definitions");
            return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"--tools: {file} is not valid JSON: {e.Message}", e);
        }
    }
}
