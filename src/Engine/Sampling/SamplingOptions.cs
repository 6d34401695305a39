using System.Collections.Immutable;
using System.Text.Json;

namespace SmolLM3.Engine.Sampling;

/// <summary>
/// How the next token is chosen and when generation stops. Immutable; the neutral value of every
/// filter switches it off. <see cref="Temperature"/> 0 means greedy (argmax, ties to the lowest id).
/// </summary>
public sealed record SamplingOptions
{
    readonly ImmutableHashSet<int> _stopTokenIds = [];

    /// <summary>Divides the logits before softmax; 0 = greedy. Allowed: [0, ∞).</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>Keep only the k most likely tokens; 0 = off. Allowed: [0, ∞).</summary>
    public int TopK { get; init; }
    /// <summary>Nucleus: keep the smallest set whose probability mass reaches this; 1 = off. Allowed: (0, 1].</summary>
    public double TopP { get; init; } = 1.0;
    /// <summary>Drop tokens less likely than MinP × the most likely one; 0 = off. Allowed: [0, 1].</summary>
    public double MinP { get; init; }
    /// <summary>HF repetition penalty on tokens already seen (positive logits divided, others multiplied); 1 = off. Allowed: (0, ∞).</summary>
    public double RepetitionPenalty { get; init; } = 1.0;
    /// <summary>OpenAI presence penalty: subtracted once from the logit of every token already seen; 0 = off. Any finite value.</summary>
    public double PresencePenalty { get; init; }
    /// <summary>OpenAI frequency penalty: subtracted per occurrence of a token already seen; 0 = off. Any finite value.</summary>
    public double FrequencyPenalty { get; init; }
    /// <summary>RNG seed: the same seed, options and logits give the same tokens; null = a random seed.</summary>
    public long? Seed { get; init; }
    /// <summary>Upper bound on generated tokens. Allowed: [1, ∞).</summary>
    public int MaxTokens { get; init; } = DefaultMaxTokens;
    /// <summary>Token ids that end generation (typically the model's EOS ids).</summary>
    public IReadOnlySet<int> StopTokenIds { get => _stopTokenIds; init => _stopTokenIds = [.. value]; }
    /// <summary>How many alternatives to report with their log-probabilities per position. Allowed: [0, 20].</summary>
    public int TopLogprobs { get; init; }

    /// <summary>Reply length when neither the caller nor the model's generation_config.json says.</summary>
    public const int DefaultMaxTokens = 512;

    /// <summary>The largest <see cref="TopLogprobs"/> accepted (OpenAI's limit).</summary>
    public const int MaxTopLogprobs = 20;

    public bool IsGreedy => Temperature == 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field outside its allowed range.</summary>
    public SamplingOptions Validate()
    {
        Check(Temperature >= 0 && double.IsFinite(Temperature), nameof(Temperature), "[0, ∞)", Temperature);
        Check(TopK >= 0, nameof(TopK), "[0, ∞) (0 = off)", TopK);
        Check(TopP > 0 && TopP <= 1, nameof(TopP), "(0, 1]", TopP);
        Check(MinP >= 0 && MinP <= 1, nameof(MinP), "[0, 1]", MinP);
        Check(RepetitionPenalty > 0 && double.IsFinite(RepetitionPenalty), nameof(RepetitionPenalty), "(0, ∞)", RepetitionPenalty);
        Check(double.IsFinite(PresencePenalty), nameof(PresencePenalty), "a finite number", PresencePenalty);
        Check(double.IsFinite(FrequencyPenalty), nameof(FrequencyPenalty), "a finite number", FrequencyPenalty);
        Check(MaxTokens >= 1, nameof(MaxTokens), "[1, ∞)", MaxTokens);
        Check(TopLogprobs >= 0 && TopLogprobs <= MaxTopLogprobs, nameof(TopLogprobs), $"[0, {MaxTopLogprobs}]", TopLogprobs);
        return this;
    }

    static void Check(bool ok, string field, string range, object value)
    {
        if (!ok) throw new ArgumentException($"{field} must be in {range}; got {value}.", field);
    }

    /// <summary>Reads a Hugging Face <c>generation_config.json</c>; see <see cref="FromGenerationConfig(JsonElement)"/>.</summary>
    public static SamplingOptions FromGenerationConfig(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromGenerationConfig(doc.RootElement);
    }

    /// <summary>
    /// Defaults from a Hugging Face <c>generation_config.json</c>: temperature, top_k, top_p, min_p,
    /// repetition_penalty, max_new_tokens, eos_token_id (an int or an array) as stop tokens, and
    /// <c>do_sample: false</c> as greedy. Absent or null fields keep this type's defaults (like vLLM,
    /// not like transformers, whose absent do_sample means greedy and absent top_k means 50).
    /// </summary>
    public static SamplingOptions FromGenerationConfig(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object)
            throw new ArgumentException("generation config must be a JSON object.", nameof(config));
        var o = new SamplingOptions();
        if (Number(config, "temperature") is { } t) o = o with { Temperature = t };
        if (Number(config, "top_k") is { } k) o = o with { TopK = checked((int)k) };
        if (Number(config, "top_p") is { } p) o = o with { TopP = p };
        if (Number(config, "min_p") is { } m) o = o with { MinP = m };
        if (Number(config, "repetition_penalty") is { } r) o = o with { RepetitionPenalty = r };
        if (Number(config, "max_new_tokens") is { } n) o = o with { MaxTokens = checked((int)n) };
        if (config.TryGetProperty("do_sample", out var s) && s.ValueKind == JsonValueKind.False) o = o with { Temperature = 0 };
        if (config.TryGetProperty("eos_token_id", out var eos))
        {
            o = eos.ValueKind switch
            {
                JsonValueKind.Number => o with { StopTokenIds = new HashSet<int> { eos.GetInt32() } },
                JsonValueKind.Array => o with { StopTokenIds = eos.EnumerateArray().Select(e => e.GetInt32()).ToHashSet() },
                _ => o,
            };
        }
        return o.Validate();
    }

    static double? Number(JsonElement config, string name) =>
        config.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
