using Spectre.Console;

namespace SmolLM3.Cli;

/// <summary>Spectre consoles over a command's writers.</summary>
static class Consoles
{
    /// <summary>A console over <paramref name="writer"/>; plain and wide when it is not a terminal (files, pipes, tests).</summary>
    public static IAnsiConsole For(TextWriter writer)
    {
        var output = new AnsiConsoleOutput(writer);
        if (output.IsTerminal) return AnsiConsole.Create(new AnsiConsoleSettings { Out = output });
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 160;
        return console;
    }
}
