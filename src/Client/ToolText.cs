using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace SmolLM3.Client;

/// <summary>
/// Tools as the Chat service takes them: definitions as JSON objects, and the calls and results of earlier turns as
/// message text, the way SmolLM3's chat template writes them (the service has no tool role: the template renders a
/// tool's result as a user message, so that is what is sent).
/// </summary>
static class ToolText
{
    /// <summary><c>{"name", "description", "parameters"}</c> of a function the model may call.</summary>
    public static string Definition(AITool tool)
    {
        if (tool is not AIFunctionDeclaration function)
            throw new NotSupportedException($"tool '{tool.Name}' is a {tool.GetType().Name}; the cluster calls functions only (AIFunctionDeclaration)");
        var definition = new JsonObject
        {
            ["name"] = function.Name,
            ["description"] = function.Description,
            ["parameters"] = JsonNode.Parse(function.JsonSchema.GetRawText()),
        };
        return definition.ToJsonString();
    }

    /// <summary>A call the assistant made, as the model writes it: a <c>&lt;tool_call&gt;</c> block.</summary>
    public static string Call(FunctionCallContent call)
    {
        var body = new JsonObject
        {
            ["name"] = call.Name,
            ["arguments"] = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions),
        };
        return $"<tool_call>\n{body.ToJsonString()}\n</tool_call>";
    }

    /// <summary>A function's result as text: a string as it is, anything else as JSON.</summary>
    public static string Result(FunctionResultContent result) => result.Result switch
    {
        string s => s,
        null => result.Exception?.Message ?? "",
        var value => JsonSerializer.Serialize(value, AIJsonUtilities.DefaultOptions),
    };

    /// <summary>A call's arguments, parsed from the JSON text the model wrote; a call whose text is no JSON object carries the parse error in <see cref="FunctionCallContent.Exception"/>.</summary>
    public static FunctionCallContent Parse(string callId, string name, string arguments) =>
        FunctionCallContent.CreateFromParsedArguments(arguments, callId, name,
            json => JsonSerializer.Deserialize<Dictionary<string, object?>>(json, AIJsonUtilities.DefaultOptions));
}
