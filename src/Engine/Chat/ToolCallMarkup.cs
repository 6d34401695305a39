using System.Text;
using System.Text.Json;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// Writes tool calls the way SmolLM3 is taught to make them (<c>&lt;tool_call&gt;\n{"name": …, "arguments": …}\n&lt;/tool_call&gt;</c>),
/// for templates that render an assistant's content but never read its <c>tool_calls</c>: the model then sees its
/// earlier calls as it would have written them, and <see cref="ToolCallParser"/> reads them back.
/// </summary>
public static class ToolCallMarkup
{
    /// <summary><paramref name="content"/> followed by each call's block, one per line.</summary>
    public static string Append(string content, IReadOnlyList<ToolCall> calls)
    {
        var text = new StringBuilder(content);
        foreach (var call in calls)
        {
            if (text.Length > 0) text.Append('\n');
            text.Append(ToolCallParser.OpenTag).Append("\n{\"name\": ").Append(JsonSerializer.Serialize(call.Name))
                .Append(", \"arguments\": ").Append(call.Arguments).Append("}\n").Append(ToolCallParser.CloseTag);
        }
        return text.ToString();
    }
}
