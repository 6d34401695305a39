using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>The body of <c>POST /v1/chat/completions</c>: OpenAI's fields this server honours; others are checked by <see cref="OpenAiFields"/>.</summary>
public sealed class ChatCompletionRequest
{
    public string? Model { get; set; }
    public List<ChatCompletionMessage>? Messages { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    /// <summary>Deprecated by OpenAI in favour of <see cref="MaxCompletionTokens"/>, which wins when both are set.</summary>
    public int? MaxTokens { get; set; }
    public int? MaxCompletionTokens { get; set; }
    /// <summary>One stop string or a list of them.</summary>
    [JsonConverter(typeof(StopConverter))]
    public string[]? Stop { get; set; }
    public long? Seed { get; set; }
    public double? PresencePenalty { get; set; }
    public double? FrequencyPenalty { get; set; }
    /// <summary>Replies to sample (1–8), as choices 0..n-1.</summary>
    public int? N { get; set; }
    public bool Stream { get; set; }
    public StreamOptions? StreamOptions { get; set; }
    /// <summary>Functions the model may call (see <see cref="OpenAiTools"/>).</summary>
    public List<ChatCompletionTool>? Tools { get; set; }
    /// <summary>"auto", "none", "required" or <c>{"type": "function", "function": {"name": …}}</c>.</summary>
    public JsonElement? ToolChoice { get; set; }
    public bool? ParallelToolCalls { get; set; }
    /// <summary>Template variables (vLLM's convention); only <c>enable_thinking</c> is taken (see <see cref="OpenAiThinking"/>).</summary>
    public Dictionary<string, JsonElement>? ChatTemplateKwargs { get; set; }
    public string? ReasoningEffort { get; set; }
    /// <summary>True: each token's log-probability, with <see cref="TopLogprobs"/> (0–20) alternatives.</summary>
    public bool? Logprobs { get; set; }
    public int? TopLogprobs { get; set; }
    /// <summary><c>{"type": "text" | "json_object" | "json_schema", …}</c> (see <see cref="OpenAiResponseFormat"/>).</summary>
    public JsonElement? ResponseFormat { get; set; }

    /// <summary>Fields not named above, for <see cref="OpenAiFields.Check"/>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? OtherFields { get; set; }

    // Sampling extensions other OpenAI-compatible servers accept too.
    public int? TopK { get; set; }
    public double? MinP { get; set; }
    public double? RepetitionPenalty { get; set; }
}

/// <summary>
/// One message of the request; <c>content</c> may be a string or a list of text parts. A tool's result carries
/// <c>tool_call_id</c>; an assistant message may carry <c>tool_calls</c> instead of content.
/// </summary>
public sealed class ChatCompletionMessage
{
    public string? Role { get; set; }
    [JsonConverter(typeof(ContentConverter))]
    public string? Content { get; set; }
    public string? ToolCallId { get; set; }
    public List<MessageToolCall>? ToolCalls { get; set; }
}

/// <summary>A tool definition: <c>{"type": "function", "function": {"name", "description", "parameters"}}</c>.</summary>
public sealed class ChatCompletionTool
{
    public string? Type { get; set; }
    public JsonElement? Function { get; set; }
}

/// <summary>Streaming options: <c>include_usage</c> adds a last chunk with the token counts.</summary>
public sealed class StreamOptions
{
    public bool IncludeUsage { get; set; }
}
