using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmolLM3.Testing;

/// <summary>A fixture <c>ref-*.json</c>: llama.cpp's top-5 log-probabilities along teacher-forced steps.</summary>
public sealed record LlamaCppReference([property: JsonPropertyName("cases")] List<ReferenceCase> Cases)
{
    public static LlamaCppReference Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Also reads <c>smollm3 score</c>'s output, which has the same shape.</summary>
    public static LlamaCppReference Parse(string json) => JsonSerializer.Deserialize<LlamaCppReference>(json)!;
}

public sealed record ReferenceCase(
    [property: JsonPropertyName("prompt")] int[] Prompt,
    [property: JsonPropertyName("steps")] List<ReferenceStep> Steps)
{
    public int[] Forced => Steps.Select(s => s.Token).ToArray();
}

public sealed record ReferenceStep(
    [property: JsonPropertyName("token")] int Token,
    [property: JsonPropertyName("top")] List<ReferenceEntry> Top);

public sealed record ReferenceEntry(
    [property: JsonPropertyName("token")] int Token,
    [property: JsonPropertyName("logprob")] double Logprob);
