using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using Spectre.Console;

namespace SmolLM3.Cli;

/// <summary>
/// Loads a model, showing on stderr, when stderr is a terminal (never on stdout), the dtype <c>--dtype auto</c> chose and a progress bar.
/// </summary>
static class ModelLoader
{
    public static CausalLM Load(IWeightSource source, ModelRequest request, TextWriter stderr)
    {
        if (!ReferenceEquals(stderr, Console.Error) || Console.IsErrorRedirected)
            return CausalLM.Load(source, request.DType, request.Device, kvFormat: request.KvFormat);

        if (request.AutoDType is { } auto) stderr.WriteLine(auto);   // with the progress bar: a script's stderr stays for errors

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"loading {Markup.Escape(Path.GetFileName(Path.TrimEndingDirectorySeparator(request.Path)))}");
                return CausalLM.Load(source, request.DType, request.Device, new SyncProgress(p =>
                {
                    task.MaxValue = p.Total;
                    task.Value = p.Done;
                }), kvFormat: request.KvFormat);
            });
    }

    /// <summary>Reports synchronously, on the loading thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    sealed class SyncProgress(Action<LoadProgress> action) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => action(value);
    }
}
