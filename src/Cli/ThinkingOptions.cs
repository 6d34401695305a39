using System.CommandLine;

namespace SmolLM3.Cli;

/// <summary><c>--thinking</c> / <c>--no-thinking</c>: SmolLM3's enable_thinking; neither leaves the template's default.</summary>
sealed record ThinkingOptions(Option<bool> On, Option<bool> Off)
{
    public static ThinkingOptions Create() => new(
        new Option<bool>("--thinking") { Description = "Ask the model to reason first (SmolLM3's enable_thinking)" },
        new Option<bool>("--no-thinking") { Description = "Ask the model to answer directly" });

    public bool? Read(ParseResult parsed) => (parsed.GetValue(On), parsed.GetValue(Off)) switch
    {
        (true, true) => throw new CliUsageException("--thinking and --no-thinking exclude each other"),
        (true, false) => true,
        (false, true) => false,
        _ => null,
    };
}
