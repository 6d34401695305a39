using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>
/// The body of <c>POST /v1/completions</c> (OpenAI's legacy text completions): the fields this server honours; others
/// are checked by <see cref="OpenAiFields"/>. See <see cref="CompletionMapping"/> for what it becomes.
/// </summary>
public sealed class CompletionRequest
{
    public string? Model { get; set; }
    /// <summary>A string, or an array holding one string; token ids and several prompts are refused.</summary>
    public JsonElement? Prompt { get; set; }
    public int? MaxTokens { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    [JsonConverter(typeof(StopConverter))]
    public string[]? Stop { get; set; }
    public long? Seed { get; set; }
    public double? PresencePenalty { get; set; }
    public double? FrequencyPenalty { get; set; }
    /// <summary>Replies to sample (1–8), as choices 0..n-1.</summary>
    public int? N { get; set; }
    public bool Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
    /// <summary>Set (0–5): each token's log-probability with this many most likely alternatives.</summary>
    public int? Logprobs { get; set; }
    /// <summary>The prompt is repeated before each choice's text.</summary>
    public bool Echo { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? OtherFields { get; set; }

    public int? TopK { get; set; }
    public double? MinP { get; set; }
    public double? RepetitionPenalty { get; set; }
}
