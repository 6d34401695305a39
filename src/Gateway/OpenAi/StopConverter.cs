using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>OpenAI's <c>stop</c>: a string, an array of strings, or null.</summary>
sealed class StopConverter : JsonConverter<string[]?>
{
    public override string[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return null;
            case JsonTokenType.String: return [reader.GetString()!];
            case JsonTokenType.StartArray:
                var stops = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    stops.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("stop must hold only strings"));
                return [.. stops];
            default: throw new JsonException("stop must be a string or an array of strings");
        }
    }

    public override void Write(Utf8JsonWriter writer, string[]? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("stop is only read");
}
