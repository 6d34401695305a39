namespace SmolLM3.Engine.Sampling;

/// <summary>
/// The sampling settings a caller gave for one reply; each null field takes the model's default (its
/// generation_config.json, see <see cref="SamplingOptions.FromGenerationConfig(string)"/>). Every
/// boundary (command line, cluster turn) reads its input into this, and <see cref="ApplyTo"/> is the one
/// place the defaults fill in what was left out.
/// </summary>
public sealed record SamplingOverrides
{
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public int? TopK { get; init; }
    public double? MinP { get; init; }
    public double? RepetitionPenalty { get; init; }
    public double? PresencePenalty { get; init; }
    public double? FrequencyPenalty { get; init; }
    public long? Seed { get; init; }
    public int? MaxTokens { get; init; }

    /// <summary>
    /// <paramref name="defaults"/> with every field given here replacing its default; throws
    /// <see cref="ArgumentException"/> naming the first field outside its range (<see cref="SamplingOptions.Validate"/>).
    /// </summary>
    public SamplingOptions ApplyTo(SamplingOptions defaults) => (defaults with
    {
        Temperature = Temperature ?? defaults.Temperature,
        TopP = TopP ?? defaults.TopP,
        TopK = TopK ?? defaults.TopK,
        MinP = MinP ?? defaults.MinP,
        RepetitionPenalty = RepetitionPenalty ?? defaults.RepetitionPenalty,
        PresencePenalty = PresencePenalty ?? defaults.PresencePenalty,
        FrequencyPenalty = FrequencyPenalty ?? defaults.FrequencyPenalty,
        Seed = Seed ?? defaults.Seed,
        MaxTokens = MaxTokens ?? defaults.MaxTokens,
    }).Validate();
}
