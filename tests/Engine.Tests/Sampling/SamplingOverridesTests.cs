using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Tests.Sampling;

public class SamplingOverridesTests
{
    // Every field off its neutral value, so a default that is dropped or a field that is ignored shows.
    static readonly SamplingOptions Defaults = new()
    {
        Temperature = 0.6, TopP = 0.95, TopK = 40, MinP = 0.05, RepetitionPenalty = 1.1, PresencePenalty = 0.2,
        FrequencyPenalty = 0.3, Seed = 7, MaxTokens = 100, StopTokenIds = new HashSet<int> { 2 }, TopLogprobs = 3,
    };

    [Fact]
    public void NothingGivenIsTheDefaults()
    {
        Assert.Equal(Defaults, new SamplingOverrides().ApplyTo(Defaults));
    }

    public static TheoryData<SamplingOverrides, SamplingOptions> OneFieldGiven => new()
    {
        { new() { Temperature = 0 }, Defaults with { Temperature = 0 } },
        { new() { TopP = 0.5 }, Defaults with { TopP = 0.5 } },
        { new() { TopK = 0 }, Defaults with { TopK = 0 } },
        { new() { MinP = 0 }, Defaults with { MinP = 0 } },
        { new() { RepetitionPenalty = 1 }, Defaults with { RepetitionPenalty = 1 } },
        { new() { PresencePenalty = -1.5 }, Defaults with { PresencePenalty = -1.5 } },
        { new() { FrequencyPenalty = 0 }, Defaults with { FrequencyPenalty = 0 } },
        { new() { Seed = 99 }, Defaults with { Seed = 99 } },
        { new() { MaxTokens = 1 }, Defaults with { MaxTokens = 1 } },
    };

    [Theory]
    [MemberData(nameof(OneFieldGiven))]
    public void TheFieldGivenWinsAndTheOthersTakeTheDefaults(SamplingOverrides given, SamplingOptions expected)
    {
        Assert.Equal(expected, given.ApplyTo(Defaults));
    }

    public static TheoryData<SamplingOverrides, string> BadOverrides => new()
    {
        { new() { Temperature = -1 }, "Temperature" },
        { new() { TopP = 0 }, "TopP" },
        { new() { TopK = -1 }, "TopK" },
        { new() { MinP = 1.5 }, "MinP" },
        { new() { RepetitionPenalty = 0 }, "RepetitionPenalty" },
        { new() { PresencePenalty = double.NaN }, "PresencePenalty" },
        { new() { FrequencyPenalty = double.PositiveInfinity }, "FrequencyPenalty" },
        { new() { MaxTokens = 0 }, "MaxTokens" },
    };

    [Theory]
    [MemberData(nameof(BadOverrides))]
    public void AnOutOfRangeValueIsRefusedNamingItsField(SamplingOverrides given, string field)
    {
        var ex = Assert.Throws<ArgumentException>(() => given.ApplyTo(Defaults));
        Assert.Equal(field, ex.ParamName);
        Assert.Contains(field, ex.Message);
    }
}
