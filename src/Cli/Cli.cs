using System.CommandLine;
using System.CommandLine.Help;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Cli;

/// <summary>A bad argument or input file: printed as <c>error: message</c>, exit code 2.</summary>
sealed class CliUsageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Parses and runs a command line with the given writers (the console, or strings in tests), and maps
/// expected failures to one-line messages and exit codes in one place:
/// 0 success, 1 model error, 2 usage or input error, 130 cancelled.
/// </summary>
static class Cli
{
    public const int Ok = 0, ModelError = 1, UsageError = 2, Cancelled = 130;

    static readonly AsyncLocal<TextReader?> InputOverride = new();

    /// <summary>Standard input of the running command line (a string in tests).</summary>
    public static TextReader Input => InputOverride.Value ?? Console.In;

    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default, TextReader? stdin = null)
    {
        InputOverride.Value = stdin;
        var parsed = Program.BuildRoot().Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is not HelpAction)
        {
            foreach (var e in parsed.Errors) await stderr.WriteLineAsync($"error: {e.Message}");
            await stderr.WriteLineAsync($"run '{parsed.CommandResult.Command.Name} --help' for usage");
            return UsageError;
        }
        try
        {
            var config = new InvocationConfiguration
            {
                Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false,
                // System.CommandLine handles no signals: run's host drains on SIGTERM and Ctrl+C itself (with a timeout here,
                // System.CommandLine would return 143 or 130 once it passed, cutting the drain), and chat catches Ctrl+C per reply.
                ProcessTerminationTimeout = null,
            };
            return await parsed.InvokeAsync(config, ct);
        }
        catch (Exception e)
        {
            var code = Classify(e);
            // Expected failures get one line; anything else is a bug and keeps its stack trace.
            await stderr.WriteLineAsync(code is null ? $"error: unexpected failure: {e}" : $"error: {e.Message}");
            return code ?? ModelError;
        }
    }

    /// <summary>The exit code of an expected failure, or null for a bug.</summary>
    static int? Classify(Exception e) => e switch
    {
        CliUsageException => UsageError,
        Engine.Templates.TemplateException => UsageError,
        ArgumentException => UsageError,
        Engine.Model.ContextOverflowException => UsageError,
        ModelFormatException => ModelError,
        OperationCanceledException => Cancelled,
        IOException or UnauthorizedAccessException => ModelError,
        _ => null,
    };
}
