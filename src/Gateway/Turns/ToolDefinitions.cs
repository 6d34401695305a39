using System.Text.Json;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.Turns;

/// <summary>Checks tool definitions before they reach a chat template: each must be one JSON object.</summary>
public static class ToolDefinitions
{
    public static string[] Check(IEnumerable<string> tools)
    {
        var checkedTools = tools.ToArray();
        for (int i = 0; i < checkedTools.Length; i++)
        {
            try
            {
                using var doc = JsonDocument.Parse(checkedTools[i]);
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidRequestException($"xml_tools[{i}] must be a JSON object, not {doc.RootElement.ValueKind}");
            }
            catch (JsonException e)
            {
                throw new InvalidRequestException($"xml_tools[{i}] is not valid JSON: {e.Message}");
            }
        }
        return checkedTools;
    }
}
