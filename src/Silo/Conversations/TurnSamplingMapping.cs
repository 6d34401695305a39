using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Sampling;

namespace SmolLM3.Silo.Conversations;

/// <summary>The turn's sampling settings as the engine takes them.</summary>
public static class TurnSamplingMapping
{
    /// <summary>What <paramref name="sampling"/> sets; its stop strings are the conversation's to match, not the sampler's.</summary>
    public static SamplingOverrides ToOverrides(this TurnSampling sampling) => new()
    {
        Temperature = sampling.Temperature,
        TopP = sampling.TopP,
        TopK = sampling.TopK,
        MinP = sampling.MinP,
        RepetitionPenalty = sampling.RepetitionPenalty,
        PresencePenalty = sampling.PresencePenalty,
        FrequencyPenalty = sampling.FrequencyPenalty,
        Seed = sampling.Seed,
        MaxTokens = sampling.MaxTokens,
    };
}
