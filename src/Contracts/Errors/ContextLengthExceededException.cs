namespace SmolLM3.Contracts.Errors;

/// <summary>A prompt (plus the reply it asks for) does not fit the model's context; the gateway answers OUT_OF_RANGE.</summary>
[GenerateSerializer, Alias("smollm3.ContextLengthExceededException")]
public sealed class ContextLengthExceededException : Exception
{
    /// <param name="limit">What holds <paramref name="contextLength"/> tokens: the model's context, or a tenant's allowance.</param>
    public ContextLengthExceededException(int promptTokens, int maxTokens, int contextLength, string limit = "the model's context")
        : base($"the prompt has {promptTokens} tokens and asks for up to {maxTokens} more, but {limit} holds {contextLength}")
        => (PromptTokens, MaxTokens, ContextLength) = (promptTokens, maxTokens, contextLength);

    [Id(0)] public int PromptTokens { get; }
    [Id(1)] public int MaxTokens { get; }
    [Id(2)] public int ContextLength { get; }
}
