using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>The reply of a non-streaming chat completion (<c>"object": "chat.completion"</c>).</summary>
public sealed record ChatCompletion(string Id, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, CompletionUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion";
}

/// <summary>The one choice of a completion; <c>logprobs</c> is null unless the request asked for them.</summary>
public sealed record CompletionChoice(int Index, AssistantMessage Message, string FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChoiceLogprobs? Logprobs = null);

/// <summary>
/// The assistant's message; <c>reasoning_content</c> holds a &lt;think&gt; section when the model wrote one, and
/// <c>tool_calls</c> the calls it made (then <c>content</c> is null if it wrote nothing else).
/// </summary>
public sealed record AssistantMessage(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Content,
    string? ReasoningContent,
    IReadOnlyList<MessageToolCall>? ToolCalls = null)
{
    public string Role => "assistant";
}

/// <summary>Token counts of a completion; <c>prompt_tokens_details.cached_tokens</c> is what the KV cache reused.</summary>
public sealed record CompletionUsage(int PromptTokens, int CompletionTokens, PromptTokensDetails PromptTokensDetails)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

public sealed record PromptTokensDetails(int CachedTokens);
