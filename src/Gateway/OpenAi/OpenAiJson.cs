using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>Source-generated JSON for the OpenAI API: snake_case names, nulls left out unless a type says otherwise, nesting bounded.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    MaxDepth = OpenAiJson.MaxDepth)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(TextCompletion))]
public sealed partial class OpenAiJson : JsonSerializerContext
{
    /// <summary>Deepest nesting a request may have (tool schemas included); deeper is a 400.</summary>
    public const int MaxDepth = 64;
}
