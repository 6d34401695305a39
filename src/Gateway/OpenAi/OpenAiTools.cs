using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// OpenAI's <c>tools</c> and <c>tool_choice</c> as a turn takes them: each function's definition (name, description,
/// parameters) goes to the chat template; "none" hides them and leaves any &lt;tool_call&gt; text as text; "required"
/// and a named function constrain the reply to one call (of any tool, or of that one) with valid arguments.
/// </summary>
public static class OpenAiTools
{
    /// <summary>The definitions to render, whether calls are parsed, and the call the reply must be; throws <see cref="InvalidRequestException"/>.</summary>
    public static (string[]? Definitions, bool ParseCalls, ReplyFormat? ForcedCall) From(ChatCompletionRequest request)
    {
        var choice = Choice(request.ToolChoice);
        bool forced = choice is not ("auto" or "none");
        var definitions = request.Tools is { } tools ? tools.Select((t, i) => Definition(t, i, forced)).ToArray() : null;
        if (request.ParallelToolCalls == false && !forced)
            throw new InvalidRequestException("parallel_tool_calls: false is not supported with tool_choice \"auto\"; the model may call several tools in one reply");
        if (forced && definitions is not { Length: > 0 })
            throw new InvalidRequestException($"tool_choice {(choice == "" ? "\"required\"" : $"'{choice}'")} needs tools");
        if (forced && choice != "" && !definitions!.Any(d => FunctionName(d) == choice))
            throw new InvalidRequestException($"tool_choice names function '{choice}', which is not among the tools");
        return choice switch
        {
            "auto" => (definitions, true, null),
            "none" => (null, false, null),
            "" => (definitions, true, new ReplyFormat(ReplyFormatKind.ToolCall)),
            var name => (definitions, true, new ReplyFormat(ReplyFormatKind.ToolCall, ToolName: name)),
        };
    }

    /// <summary>"auto", "none", "" for "required", or the name of the function a call must name.</summary>
    static string Choice(JsonElement? choice) => choice switch
    {
        null or { ValueKind: JsonValueKind.Null } => "auto",
        { ValueKind: JsonValueKind.String } s when s.GetString() is "auto" or "none" => s.GetString()!,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "required" => "",
        { ValueKind: JsonValueKind.Object } o when o.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
            && f.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString() is { Length: > 0 } name => name,
        var other => throw new InvalidRequestException(
            $"tool_choice must be \"auto\", \"none\", \"required\" or {{\"type\": \"function\", \"function\": {{\"name\": …}}}}, not {other.Value.GetRawText()}"),
    };

    static string FunctionName(string definition)
    {
        using var doc = JsonDocument.Parse(definition);
        return doc.RootElement.GetProperty("name").GetString()!;
    }

    /// <summary>The function object's JSON, after checking it names a function.</summary>
    static string Definition(ChatCompletionTool tool, int i, bool forced)
    {
        if (tool?.Type != "function") throw new InvalidRequestException($"tools[{i}].type must be \"function\", not '{tool?.Type}'");
        if (tool.Function is not { ValueKind: JsonValueKind.Object } function) throw new InvalidRequestException($"tools[{i}].function must be an object");
        if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            throw new InvalidRequestException($"tools[{i}].function.name is required");
        if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            throw new InvalidRequestException($"tools[{i}].function.parameters must be a JSON schema object");
        if (function.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.True && !forced)
            throw new InvalidRequestException($"tools[{i}].function.strict: true needs tool_choice \"required\" or a named function: only a forced call is constrained to its schema");
        return function.GetRawText();
    }
}
