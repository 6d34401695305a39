namespace SmolLM3.Engine.Generation;

/// <summary>Why a reply ended.</summary>
public enum FinishReason
{
    /// <summary>The model produced a stop token (e.g. <c>&lt;|im_end|&gt;</c>).</summary>
    StopToken,
    /// <summary>The text reached one of the caller's stop strings.</summary>
    StopString,
    /// <summary>The token budget (MaxTokens) ran out.</summary>
    Length,
}
