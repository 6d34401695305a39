namespace SmolLM3.Client;

/// <summary>
/// Keys of <c>ChatOptions.AdditionalProperties</c> for sampling settings <c>ChatOptions</c> has no property for
/// (values are numbers; see the Chat service's SamplingParameters).
/// </summary>
public static class ChatOptionKeys
{
    /// <summary>Drop tokens below min_p × the top probability.</summary>
    public const string MinP = "min_p";

    /// <summary>Divides the logits of tokens already seen (&gt; 1 discourages repeats).</summary>
    public const string RepetitionPenalty = "repetition_penalty";
}
