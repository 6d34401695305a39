using System.CommandLine;
using System.Text.RegularExpressions;
using SmolLM3.Engine.Sampling;

namespace SmolLM3.Cli;

/// <summary>
/// Sampling options on the command line. Each one left out keeps the model's default (its
/// generation_config.json), so <c>--temperature 0</c> alone switches to greedy and nothing else changes.
/// </summary>
public sealed class SamplingFlags
{
    readonly Option<double?> _temperature = new("--temperature") { Description = "0 = greedy" };
    readonly Option<double?> _topP = new("--top-p") { Description = "Nucleus sampling mass, (0, 1]" };
    readonly Option<int?> _topK = new("--top-k") { Description = "Keep the k most likely tokens (0 = off)" };
    readonly Option<double?> _minP = new("--min-p") { Description = "Drop tokens below min-p × the top probability" };
    readonly Option<double?> _repetition = new("--repetition-penalty") { Description = "HF repetition penalty (1 = off)" };
    readonly Option<double?> _presence = new("--presence-penalty") { Description = "OpenAI presence penalty" };
    readonly Option<double?> _frequency = new("--frequency-penalty") { Description = "OpenAI frequency penalty" };
    readonly Option<long?> _seed = new("--seed") { Description = "Seed for reproducible sampling" };
    readonly Option<int?> _maxTokens = new("--max-tokens") { Description = $"Most tokens to generate (default {SamplingOptions.DefaultMaxTokens})" };
    readonly Option<string[]> _stop = new("--stop") { Description = "Stop when this text appears (repeatable)", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _temperature, _topP, _topK, _minP, _repetition, _presence, _frequency, _seed, _maxTokens, _stop })
            command.Add(o);
    }

    public IReadOnlyList<string> StopStrings(ParseResult parsed) => parsed.GetValue(_stop) ?? [];

    /// <summary>The flags given; those left out are null.</summary>
    public SamplingOverrides Overrides(ParseResult parsed) => new()
    {
        Temperature = parsed.GetValue(_temperature),
        TopP = parsed.GetValue(_topP),
        TopK = parsed.GetValue(_topK),
        MinP = parsed.GetValue(_minP),
        RepetitionPenalty = parsed.GetValue(_repetition),
        PresencePenalty = parsed.GetValue(_presence),
        FrequencyPenalty = parsed.GetValue(_frequency),
        Seed = parsed.GetValue(_seed),
        MaxTokens = parsed.GetValue(_maxTokens),
    };

    /// <summary>The model's defaults overridden by what was given; bad values are usage errors naming the flag.</summary>
    public SamplingOptions Read(ParseResult parsed, SamplingOptions defaults)
    {
        // The reply length is ours (as in the cluster), not the model's max_new_tokens.
        try { return Overrides(parsed).ApplyTo(defaults with { MaxTokens = SamplingOptions.DefaultMaxTokens }); }
        catch (ArgumentException e) { throw new CliUsageException($"{Flag(e.ParamName)}: {e.Message}", e); }
    }

    /// <summary>The flag of a <see cref="SamplingOptions"/> field: TopP → --top-p.</summary>
    static string Flag(string? field) => field is null ? "sampling" : "--" + Regex.Replace(field, "(?<=[a-z])([A-Z])", "-$1").ToLowerInvariant();
}
