namespace SmolLM3.Contracts.Conversations;

/// <summary>What shape a reply must have; the silo enforces it token by token (constrained decoding).</summary>
[GenerateSerializer, Alias("smollm3.ReplyFormatKind")]
public enum ReplyFormatKind
{
    /// <summary>Any JSON object.</summary>
    JsonObject,
    /// <summary>A JSON value valid under <see cref="ReplyFormat.Schema"/>.</summary>
    JsonSchema,
    /// <summary>One call, in the model's tool-call markup, of <see cref="ReplyFormat.ToolName"/> or of any of the turn's tools, its arguments valid under that tool's parameters.</summary>
    ToolCall,
}

/// <param name="Schema">The JSON schema (text) of <see cref="ReplyFormatKind.JsonSchema"/>.</param>
/// <param name="ToolName">The function a <see cref="ReplyFormatKind.ToolCall"/> must call; null = any of the turn's tools.</param>
[GenerateSerializer, Immutable, Alias("smollm3.ReplyFormat")]
public sealed record ReplyFormat(
    [property: Id(0)] ReplyFormatKind Kind,
    [property: Id(1)] string? Schema = null,
    [property: Id(2)] string? ToolName = null);
