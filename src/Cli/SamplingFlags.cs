using System.CommandLine;
using SmolLM3.Engine.Sampling;

namespace SmolLM3.Cli;

/// <summary>
/// Sampling options on the command line. Each one left out keeps the model's default (its
/// generation_config.json), so <c>--temperature 0</c> alone switches to greedy and nothing else changes.
/// </summary>
sealed class SamplingFlags
{
    readonly Option<double?> _temperature = new("--temperature") { Description = "0 = greedy" };
    readonly Option<double?> _topP = new("--top-p") { Description = "Nucleus sampling mass, (0, 1]" };
    readonly Option<int?> _topK = new("--top-k") { Description = "Keep the k most likely tokens (0 = off)" };
    readonly Option<double?> _minP = new("--min-p") { Description = "Drop tokens below min-p × the top probability" };
    readonly Option<double?> _repetition = new("--repetition-penalty") { Description = "HF repetition penalty (1 = off)" };
    readonly Option<double?> _presence = new("--presence-penalty") { Description = "OpenAI presence penalty" };
    readonly Option<double?> _frequency = new("--frequency-penalty") { Description = "OpenAI frequency penalty" };
    readonly Option<long?> _seed = new("--seed") { Description = "Seed for reproducible sampling" };
    readonly Option<int?> _maxTokens = new("--max-tokens") { Description = "Most tokens to generate (default 512)" };
    readonly Option<string[]> _stop = new("--stop") { Description = "Stop when this text appears (repeatable)", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _temperature, _topP, _topK, _minP, _repetition, _presence, _frequency, _seed, _maxTokens, _stop })
            command.Add(o);
    }

    public IReadOnlyList<string> StopStrings(ParseResult parsed) => parsed.GetValue(_stop) ?? [];

    /// <summary>The model's defaults overridden by what was given; bad values are usage errors naming the flag.</summary>
    public SamplingOptions Read(ParseResult parsed, SamplingOptions defaults)
    {
        var o = defaults with { MaxTokens = parsed.GetValue(_maxTokens) ?? 512 };
        if (parsed.GetValue(_temperature) is { } t) o = o with { Temperature = t };
        if (parsed.GetValue(_topP) is { } p) o = o with { TopP = p };
        if (parsed.GetValue(_topK) is { } k) o = o with { TopK = k };
        if (parsed.GetValue(_minP) is { } m) o = o with { MinP = m };
        if (parsed.GetValue(_repetition) is { } r) o = o with { RepetitionPenalty = r };
        if (parsed.GetValue(_presence) is { } pr) o = o with { PresencePenalty = pr };
        if (parsed.GetValue(_frequency) is { } f) o = o with { FrequencyPenalty = f };
        if (parsed.GetValue(_seed) is { } s) o = o with { Seed = s };
        try { return o.Validate(); }
        catch (ArgumentException e) { throw new CliUsageException($"sampling: {e.Message}", e); }
    }
}
