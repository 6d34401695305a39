using System.CommandLine;
using SmolLM3.Cli.Commands;

namespace SmolLM3.Cli;

/// <summary>Entry point. Each command lives in its own file under Commands/; <see cref="Cli"/> runs them.</summary>
static class Program
{
    static Task<int> Main(string[] args)
    {
        SmolLM3.Engine.Kernels.NativeDefaults.Apply();   // before anything loads libtorch
        return Cli.RunAsync(args, Console.Out, Console.Error);
    }

    internal static RootCommand BuildRoot() => new("smollm3: inspect and run SmolLM2/SmolLM3 models (Hugging Face folders or GGUF files)")
    {
        InspectCommand.Create(),
        ScoreCommand.Create(),
        BenchCommand.Create(),
        TokenizeCommand.Create(),
        GenerateCommand.Create(),
        ChatCommand.Create(),
        TemplateCommand.Create(),
        RunCommand.Create(),
    };
}
