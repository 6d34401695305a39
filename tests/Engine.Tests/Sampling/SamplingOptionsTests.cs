using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Tests.Sampling;

public class SamplingOptionsTests
{
    [Fact]
    public void DefaultsAreValidAndSwitchEveryFilterOff()
    {
        var o = new SamplingOptions().Validate();
        Assert.Equal(1.0, o.Temperature);
        Assert.Equal(0, o.TopK);
        Assert.Equal(1.0, o.TopP);
        Assert.Equal(0, o.MinP);
        Assert.Equal(1.0, o.RepetitionPenalty);
        Assert.Equal(0, o.PresencePenalty);
        Assert.Equal(0, o.FrequencyPenalty);
        Assert.Null(o.Seed);
        Assert.Empty(o.StopTokenIds);
        Assert.Equal(0, o.TopLogprobs);
        Assert.Equal(512, o.MaxTokens);   // the reply length README documents
        Assert.False(o.IsGreedy);
    }

    public static TheoryData<SamplingOptions, string, string> BadOptions => new()
    {
        { new() { Temperature = -0.1 }, "Temperature", "[0, ∞)" },
        { new() { TopK = -1 }, "TopK", "[0, ∞)" },
        { new() { TopP = 0 }, "TopP", "(0, 1]" },
        { new() { TopP = 1.01 }, "TopP", "(0, 1]" },
        { new() { MinP = -0.01 }, "MinP", "[0, 1]" },
        { new() { MinP = 1.5 }, "MinP", "[0, 1]" },
        { new() { RepetitionPenalty = 0 }, "RepetitionPenalty", "(0, ∞)" },
        { new() { RepetitionPenalty = -1 }, "RepetitionPenalty", "(0, ∞)" },
        { new() { MaxTokens = 0 }, "MaxTokens", "[1, ∞)" },
        { new() { TopLogprobs = -1 }, "TopLogprobs", "[0, 20]" },
        { new() { TopLogprobs = 21 }, "TopLogprobs", "[0, 20]" },
        { new() { PresencePenalty = double.NaN }, "PresencePenalty", "finite" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void ValidateNamesTheFieldAndItsRange(SamplingOptions options, string field, string range)
    {
        var ex = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Equal(field, ex.ParamName);
        Assert.Contains(field, ex.Message);
        Assert.Contains(range, ex.Message);
    }

    [Fact]
    public void SamplerRejectsInvalidOptions()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sampler(new SamplingOptions { TopP = 2 }));
        Assert.Equal("TopP", ex.ParamName);
    }

    [Fact]
    public void ReadsTinySmolLM3GenerationConfig()
    {
        // Content of shared/fixtures/tiny-smollm3/hf/generation_config.json.
        const string json = """
            {
              "bos_token_id": 128000,
              "eos_token_id": 128012,
              "pad_token_id": 128004,
              "temperature": 0.6,
              "top_p": 0.95
            }
            """;
        var o = SamplingOptions.FromGenerationConfig(json);
        Assert.Equal(0.6, o.Temperature);
        Assert.Equal(0.95, o.TopP);
        Assert.Equal(0, o.TopK);
        Assert.Equal(1.0, o.RepetitionPenalty);
        Assert.Equal(new SamplingOptions().MaxTokens, o.MaxTokens);
        Assert.Equal([128012], o.StopTokenIds.Order());
    }

    [Fact]
    public void ReadsEosArrayDoSampleAndLimits()
    {
        const string json = """
            { "eos_token_id": [2, 128012, 2], "do_sample": false, "temperature": 0.7,
              "top_k": 40, "repetition_penalty": 1.1, "max_new_tokens": 64, "min_p": 0.05, "top_p": null }
            """;
        var o = SamplingOptions.FromGenerationConfig(json);
        Assert.Equal(0, o.Temperature);
        Assert.True(o.IsGreedy);
        Assert.Equal(40, o.TopK);
        Assert.Equal(1.1, o.RepetitionPenalty);
        Assert.Equal(64, o.MaxTokens);
        Assert.Equal(0.05, o.MinP);
        Assert.Equal(1.0, o.TopP);
        Assert.Equal([2, 128012], o.StopTokenIds.Order());
    }

    [Fact]
    public void DoSampleTrueKeepsTheTemperature()
    {
        var o = SamplingOptions.FromGenerationConfig("""{ "do_sample": true, "temperature": 0.3 }""");
        Assert.Equal(0.3, o.Temperature);
    }

    [Fact]
    public void GenerationConfigWithBadValueNamesTheField()
    {
        var ex = Assert.Throws<ArgumentException>(() => SamplingOptions.FromGenerationConfig("""{ "top_p": 1.5 }"""));
        Assert.Equal("TopP", ex.ParamName);
    }

    [Fact]
    public void StopTokenIdsAreCopiedNotShared()
    {
        var ids = new HashSet<int> { 1 };
        var o = new SamplingOptions { StopTokenIds = ids };
        ids.Add(2);
        Assert.Equal([1], o.StopTokenIds.Order());
    }
}
