using System.CommandLine;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Sampling;
using SmolLM3.Silo.Conversations;
using SmolLM3.Silo;

namespace SmolLM3.Cli.Tests;

/// <summary>The command line and a cluster turn asking for the same settings sample alike.</summary>
public class SamplingFlagsTests
{
    // A model's generation_config.json defaults, every field off its neutral value.
    static readonly SamplingOptions ModelDefaults = new()
    {
        Temperature = 0.6, TopP = 0.95, TopK = 40, MinP = 0.05, RepetitionPenalty = 1.1, MaxTokens = 64, StopTokenIds = new HashSet<int> { 2 },
    };

    static SamplingOptions FromFlags(params string[] args)
    {
        var flags = new SamplingFlags();
        var command = new Command("generate");
        flags.AddTo(command);
        var parsed = command.Parse(args);
        Assert.Empty(parsed.Errors);
        return flags.Read(parsed, ModelDefaults);
    }

    [Fact]
    public void EveryFlagMatchesTheSameTurnSetting()
    {
        var cli = FromFlags("--temperature", "0.3", "--top-p", "0.8", "--top-k", "5", "--min-p", "0.1", "--repetition-penalty", "1.3",
            "--presence-penalty", "0.4", "--frequency-penalty", "-0.5", "--seed", "42", "--max-tokens", "9");
        var turn = new TurnSampling
        {
            Temperature = 0.3, TopP = 0.8, TopK = 5, MinP = 0.1, RepetitionPenalty = 1.3,
            PresencePenalty = 0.4, FrequencyPenalty = -0.5, Seed = 42, MaxTokens = 9,
        }.ToOverrides().ApplyTo(ModelDefaults);
        Assert.Equal(turn, cli);
        Assert.Equal(0.3, cli.Temperature);   // the given values, not the model's
        Assert.Equal(9, cli.MaxTokens);
    }

    [Fact]
    public void NoFlagsIsTheModelsDefaultsWithTheSilosReplyLength()
    {
        var cli = FromFlags();
        var turn = new TurnSampling().ToOverrides().ApplyTo(ModelDefaults with { MaxTokens = new SmolLMSiloOptions().DefaultMaxTokens });
        Assert.Equal(turn, cli);
        Assert.Equal(ModelDefaults with { MaxTokens = SamplingOptions.DefaultMaxTokens }, cli);
    }
}
