using System.Text.Json;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// OpenAI's <c>response_format</c> as a turn's <see cref="ReplyFormat"/>: "text" is free text, "json_object" any JSON
/// object, "json_schema" a value valid under <c>json_schema.schema</c> (the silo writes only what the schema allows,
/// so <c>strict</c> is always in effect). The silo compiles the schema and refuses, by name, what it cannot enforce.
/// </summary>
public static class OpenAiResponseFormat
{
    /// <param name="forcedCall">The tool call tool_choice requires, if any; it cannot be combined with a JSON format.</param>
    public static ReplyFormat? From(JsonElement? responseFormat, ReplyFormat? forcedCall)
    {
        var format = Parse(responseFormat);
        if (format is not null && forcedCall is not null)
            throw new InvalidRequestException("response_format json_object/json_schema cannot be combined with a tool_choice that forces a call");
        return format ?? forcedCall;
    }

    static ReplyFormat? Parse(JsonElement? responseFormat)
    {
        if (responseFormat is not { ValueKind: not JsonValueKind.Null } f) return null;
        if (f.ValueKind != JsonValueKind.Object || !f.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw new InvalidRequestException("response_format must be an object with a \"type\"");
        switch (type.GetString())
        {
            case "text": return null;
            case "json_object": return new ReplyFormat(ReplyFormatKind.JsonObject);
            case "json_schema":
                if (!f.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object)
                    throw new InvalidRequestException("response_format json_schema needs a \"json_schema\" object with the schema");
                if (!spec.TryGetProperty("schema", out var schema) || schema.ValueKind is not (JsonValueKind.Object or JsonValueKind.True))
                    throw new InvalidRequestException("response_format.json_schema.schema must be a JSON schema object");
                return new ReplyFormat(ReplyFormatKind.JsonSchema, Schema: schema.GetRawText());
            default:
                throw new InvalidRequestException($"response_format type '{type.GetString()}' is not supported (text, json_object or json_schema)");
        }
    }
}
