using System.Text.Json.Serialization;

namespace SmolLM3.Gateway.OpenAi;

/// <summary>One server-sent event of a streaming completion (<c>"object": "chat.completion.chunk"</c>).</summary>
/// <param name="Usage">Only on the extra last chunk (with no choices) that <c>stream_options.include_usage</c> asks for.</param>
public sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChunkChoice> Choices, CompletionUsage? Usage = null)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion.chunk";
}

/// <summary>The change to the one choice; <c>finish_reason</c> is null until the last content chunk, <c>logprobs</c> those of the delta's tokens.</summary>
public sealed record ChunkChoice(int Index, ChunkDelta Delta, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] ChoiceLogprobs? Logprobs = null);

/// <summary>New text: the first chunk carries the role, the rest content (or reasoning_content inside &lt;think&gt;) or a tool call.</summary>
public sealed record ChunkDelta(string? Role = null, string? Content = null, string? ReasoningContent = null, IReadOnlyList<ChunkToolCall>? ToolCalls = null);
