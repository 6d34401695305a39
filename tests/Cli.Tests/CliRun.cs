namespace SmolLM3.Cli.Tests;

/// <summary>The outcome of one in-process <c>smollm3</c> run.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public static Task<CliRun> Of(params string[] args) => WithInput("", args);

    public static async Task<CliRun> WithInput(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        // a command expected to fail that starts serving instead fails the test here rather than hanging the run
        int code = await Cli.RunAsync(args, stdout, stderr, stdin: new StringReader(stdin)).WaitAsync(TimeSpan.FromMinutes(5));
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Asserts a one-line expected error (no stack trace) with the given exit code and words.</summary>
    public void AssertError(int exitCode, params string[] mentions)
    {
        Assert.Equal(exitCode, ExitCode);
        Assert.Equal("", Stdout);
        Assert.StartsWith("error: ", Stderr);
        Assert.DoesNotContain("   at ", Stderr);
        foreach (var m in mentions) Assert.Contains(m, Stderr);
    }
}

/// <summary>A temporary folder for input files, deleted afterwards.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("smollm3-cli-").FullName;

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
