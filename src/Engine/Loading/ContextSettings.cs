using System.Globalization;

namespace SmolLM3.Engine.Loading;

/// <summary>One of the settings of <see cref="ContextSettings"/>, for naming it in a message.</summary>
public enum ContextSetting { ContextLength, RopeScaling, RopeScale, YarnOrigCtx }

/// <summary>A context setting that is out of range or contradicts the checkpoint.</summary>
public sealed class ContextSettingsException(ContextSetting setting, string message) : Exception(message)
{
    public ContextSetting Setting { get; } = setting;
}

/// <summary>
/// The context and rope scaling a user asks for (llama.cpp's <c>-c</c>, <c>--rope-scaling</c>, <c>--rope-scale</c>,
/// <c>--yarn-orig-ctx</c>), applied over what the checkpoint carries; unset ones keep the checkpoint's. The rules:
/// <list type="bullet">
/// <item>The original context is a fact of the checkpoint (its rope_scaling original, else its max_position_embeddings):
/// <see cref="YarnOrigCtx"/> may only repeat it.</item>
/// <item><see cref="RopeScale"/> (at least 1) sets the YaRN factor, replacing the checkpoint's; with no YaRN in the
/// checkpoint it needs <see cref="RopeScaling"/> "yarn", and "yarn" there needs a factor from one of the two.</item>
/// <item><see cref="RopeScaling"/> "none" turns the checkpoint's YaRN off (the context falls to max_position_embeddings)
/// and takes no factor or original context.</item>
/// <item><see cref="ContextLength"/> may be anything from 1 up to what the rope scaling in effect supports
/// (factor × original, or max_position_embeddings without it).</item>
/// </list>
/// </summary>
public sealed record ContextSettings
{
    public static readonly IReadOnlyList<string> RopeScalingTypes = ["yarn", "none"];

    public int? ContextLength { get; init; }
    public string? RopeScaling { get; init; }
    public double? RopeScale { get; init; }
    public int? YarnOrigCtx { get; init; }

    /// <summary>True when nothing is set: the checkpoint's config stands.</summary>
    public bool IsEmpty => this == new ContextSettings();

    /// <summary>
    /// The checkpoint's config with these settings applied; <paramref name="nameOf"/> names a setting in messages
    /// (a flag on the command line, a configuration key in the silo).
    /// </summary>
    /// <exception cref="ContextSettingsException">A value is out of range or contradicts the checkpoint.</exception>
    public ModelConfig ApplyTo(ModelConfig checkpoint, Func<ContextSetting, string> nameOf)
    {
        ContextSettingsException Bad(ContextSetting s, string why) => new(s, $"{nameOf(s)} {why}");
        CheckRanges(Bad);

        var yarn = checkpoint.Yarn;
        int original = yarn?.OriginalMaxPositionEmbeddings ?? checkpoint.MaxPositionEmbeddings;
        if (YarnOrigCtx is { } orig && orig != original)
            throw Bad(ContextSetting.YarnOrigCtx, $"{orig} contradicts the checkpoint, whose original context is {original} positions ("
                + (yarn is null ? "max_position_embeddings" : "rope_scaling original_max_position_embeddings") + ")");

        bool wantsYarn = RopeScaling is null ? yarn is not null : RopeScaling == "yarn";
        if (wantsYarn && yarn is null && RopeScale is null)
            throw Bad(ContextSetting.RopeScaling, $"yarn needs a factor, and the checkpoint has none: add {nameOf(ContextSetting.RopeScale)} F");
        if (!wantsYarn)
        {
            var given = RopeScale is not null ? ContextSetting.RopeScale : YarnOrigCtx is not null ? ContextSetting.YarnOrigCtx : (ContextSetting?)null;
            if (given is { } g)
                throw Bad(g, RopeScaling is null
                    ? $"applies to YaRN, and the checkpoint has no rope scaling: add {nameOf(ContextSetting.RopeScaling)} yarn"
                    : $"contradicts {nameOf(ContextSetting.RopeScaling)} none");
        }
        var config = checkpoint with { Yarn = wantsYarn ? Scaled(yarn, original) : null };
        if (config.SupportedContextLength > ModelConfig.MaxContextLength)
            throw Bad(ContextSetting.RopeScale, $"{Number(config.Yarn!.Factor)} stretches the context to {config.SupportedContextLength} positions, more than the {ModelConfig.MaxContextLength} this engine addresses");

        if (ContextLength is { } n && n > config.SupportedContextLength)
            throw Bad(ContextSetting.ContextLength, $"{n} is more than the {config.SupportedContextLength} positions " + (config.Yarn is { } y
                ? $"YaRN supports (factor {Number(y.Factor)} × original {y.OriginalMaxPositionEmbeddings}); raise {nameOf(ContextSetting.RopeScale)}"
                : $"the checkpoint supports (max_position_embeddings); extend it with {nameOf(ContextSetting.RopeScaling)} yarn {nameOf(ContextSetting.RopeScale)} F"));
        return config with { ContextLimit = ContextLength };
    }

    /// <summary>The YaRN in effect: the checkpoint's with this factor, or a new one at the checkpoint's original context.</summary>
    YarnScaling Scaled(YarnScaling? checkpoint, int original)
    {
        if (checkpoint is null) return new YarnScaling(RopeScale!.Value, original);
        double factor = RopeScale ?? checkpoint.Factor;
        // an attention factor given for another scale factor no longer applies
        return factor == checkpoint.Factor ? checkpoint : checkpoint with { Factor = factor, AttentionFactor = null };
    }

    /// <summary>The checks that need no checkpoint (positive numbers, a known scaling type), so they can fail before a model is opened.</summary>
    /// <exception cref="ContextSettingsException">A value is out of range.</exception>
    public ContextSettings Validate(Func<ContextSetting, string> nameOf)
    {
        CheckRanges((s, why) => new ContextSettingsException(s, $"{nameOf(s)} {why}"));
        return this;
    }

    void CheckRanges(Func<ContextSetting, string, ContextSettingsException> bad)
    {
        if (ContextLength is { } n && n < 1) throw bad(ContextSetting.ContextLength, $"must be positive, got {n}");
        if (YarnOrigCtx is { } o && o < 1) throw bad(ContextSetting.YarnOrigCtx, $"must be positive, got {o}");
        if (RopeScale is { } f && !(f >= 1 && double.IsFinite(f)))
            throw bad(ContextSetting.RopeScale, $"must be a number of at least 1 (the factor the context is stretched by), got {Number(f)}");
        if (RopeScaling is { } type && !RopeScalingTypes.Contains(type))
            throw bad(ContextSetting.RopeScaling, $"'{type}' is not supported: {string.Join(" or ", RopeScalingTypes)}");
    }

    static string Number(double v) => v.ToString("G", CultureInfo.InvariantCulture);
}
