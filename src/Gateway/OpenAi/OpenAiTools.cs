using System.Text.Json;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// OpenAI's <c>tools</c> and <c>tool_choice</c> as a turn takes them: each function's definition (name, description,
/// parameters) goes to the chat template; "none" hides them and leaves any &lt;tool_call&gt; text as text. "required"
/// and a named function are refused: forcing a call needs constrained decoding, which the server does not have.
/// </summary>
public static class OpenAiTools
{
    /// <summary>The definitions to render and whether calls are parsed; throws <see cref="InvalidRequestException"/>.</summary>
    public static (string[]? Definitions, bool ParseCalls) From(ChatCompletionRequest request)
    {
        var definitions = request.Tools is { } tools ? tools.Select(Definition).ToArray() : null;
        if (request.ParallelToolCalls == false)
            throw new InvalidRequestException("parallel_tool_calls: false is not supported; the model may call several tools in one reply");
        return Choice(request.ToolChoice) switch
        {
            "auto" => (definitions, true),
            "none" => (null, false),
            var other => throw new InvalidRequestException(
                $"tool_choice {other} is not supported: forcing a tool call needs constrained decoding; use \"auto\" or \"none\""),
        };
    }

    /// <summary>"auto", "none", or how the unsupported choice was written.</summary>
    static string Choice(JsonElement? choice) => choice switch
    {
        null or { ValueKind: JsonValueKind.Null } => "auto",
        { ValueKind: JsonValueKind.String } s when s.GetString() is "auto" or "none" => s.GetString()!,
        { ValueKind: JsonValueKind.String } s when s.GetString() is "required" => "\"required\"",
        { ValueKind: JsonValueKind.Object } o => $"{o.GetRawText()} (a named function)",
        var other => throw new InvalidRequestException($"tool_choice must be \"auto\", \"none\", \"required\" or a function object, not {other.Value.GetRawText()}"),
    };

    /// <summary>The function object's JSON, after checking it names a function.</summary>
    static string Definition(ChatCompletionTool tool, int i)
    {
        if (tool?.Type != "function") throw new InvalidRequestException($"tools[{i}].type must be \"function\", not '{tool?.Type}'");
        if (tool.Function is not { ValueKind: JsonValueKind.Object } function) throw new InvalidRequestException($"tools[{i}].function must be an object");
        if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            throw new InvalidRequestException($"tools[{i}].function.name is required");
        if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            throw new InvalidRequestException($"tools[{i}].function.parameters must be a JSON schema object");
        if (function.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.True)
            throw new InvalidRequestException($"tools[{i}].function.strict: true is not supported (it needs constrained decoding)");
        return function.GetRawText();
    }
}
