using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// A message's <c>content</c>: a string, or an array of parts of which only <c>{"type": "text", "text": …}</c>
/// is understood (their texts are joined); images and audio are refused, as the model reads text only.
/// </summary>
sealed class ContentConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null: return null;
            case JsonTokenType.String: return reader.GetString();
            case JsonTokenType.StartArray:
                var text = new StringBuilder();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    using var part = JsonDocument.ParseValue(ref reader);
                    var p = part.RootElement;
                    if (p.ValueKind != JsonValueKind.Object || !p.TryGetProperty("type", out var type) || type.GetString() != "text"
                        || !p.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
                        throw new JsonException("content parts must be {\"type\": \"text\", \"text\": \"…\"}; this model reads text only");
                    text.Append(t.GetString());
                }
                return text.ToString();
            default: throw new JsonException("content must be a string or an array of text parts");
        }
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("request content is only read");
}
