using System.CommandLine;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Cli;

/// <summary>
/// The context and rope-scaling options (llama.cpp's <c>-c</c>, <c>--rope-scaling</c>, <c>--rope-scale</c>,
/// <c>--yarn-orig-ctx</c>); each one left out keeps the checkpoint's. <see cref="ContextSettings"/> holds the rules.
/// </summary>
sealed class ContextFlags
{
    readonly Option<int?> _contextLength = new("--context-length", "-c")
    {
        Description = "Positions one sequence may hold (default: the model's; under YaRN factor × original), at most what the rope scaling supports",
    };
    readonly Option<string?> _ropeScaling = new("--rope-scaling") { Description = "yarn (stretch the context), or none (turn the checkpoint's YaRN off)" };
    readonly Option<double?> _ropeScale = new("--rope-scale") { Description = "YaRN factor: the context becomes factor × the original context" };
    readonly Option<int?> _yarnOrigCtx = new("--yarn-orig-ctx") { Description = "The checkpoint's original context (a check: it must match the checkpoint's)" };

    public ContextFlags() => _ropeScaling.AcceptOnlyFromAmong([.. ContextSettings.RopeScalingTypes]);

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { _contextLength, _ropeScaling, _ropeScale, _yarnOrigCtx }) command.Add(o);
    }

    /// <summary>The flags given, checked as far as they can be without the model.</summary>
    /// <exception cref="CliUsageException">A value is out of range.</exception>
    public ContextSettings Read(ParseResult parsed)
    {
        var settings = new ContextSettings
        {
            ContextLength = parsed.GetValue(_contextLength),
            RopeScaling = parsed.GetValue(_ropeScaling),
            RopeScale = parsed.GetValue(_ropeScale),
            YarnOrigCtx = parsed.GetValue(_yarnOrigCtx),
        };
        try { return settings.Validate(NameOf); }
        catch (ContextSettingsException e) { throw new CliUsageException(e.Message, e); }
    }

    public static string NameOf(ContextSetting setting) => setting switch
    {
        ContextSetting.ContextLength => "--context-length",
        ContextSetting.RopeScaling => "--rope-scaling",
        ContextSetting.RopeScale => "--rope-scale",
        ContextSetting.YarnOrigCtx => "--yarn-orig-ctx",
        _ => throw new ArgumentOutOfRangeException(nameof(setting)),
    };
}
