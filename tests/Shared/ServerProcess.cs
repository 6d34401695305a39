using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SmolLM3.Testing;

/// <summary>
/// A built server (SmolLM3.Silo, SmolLM3.Gateway, or <c>smollm3 run</c>) run with <c>dotnet</c>, arguments and
/// environment settings; killed on dispose.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    ServerProcess(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, bool defaultInterrupt)
    {
        // A process started in the background inherits SIGINT ignored, and .NET keeps it so; perl (part of every
        // Debian) puts Ctrl+C's signal back to its default before it becomes dotnet, as in a terminal.
        var start = defaultInterrupt
            ? new ProcessStartInfo("perl", ["-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet", dll, .. args])
            : new ProcessStartInfo("dotnet", [dll, .. args]);
        (start.RedirectStandardOutput, start.RedirectStandardError) = (true, true);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    void Append(string? line)
    {
        if (line is not null) lock (_output) _output.AppendLine(line);
    }

    /// <summary>Starts project <paramref name="project"/> (Silo or Gateway) from its build folder, built like this test.</summary>
    public static ServerProcess Start(string project, IReadOnlyDictionary<string, string> environment) =>
        Start(project, $"SmolLM3.{project}", [], environment);

    /// <summary>
    /// Starts <paramref name="assembly"/>.dll from the build folder of src/<paramref name="project"/> with <paramref name="args"/>;
    /// with <paramref name="defaultInterrupt"/> it answers SIGINT as one started from a terminal does, whatever this process inherited.
    /// </summary>
    public static ServerProcess Start(string project, string assembly, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment,
        bool defaultInterrupt = false)
    {
        var dll = Path.Combine(RepoRoot(), "src", project, "bin", BuildConfiguration(), "net10.0", $"{assembly}.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return new ServerProcess(dll, args, environment, defaultInterrupt);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The binary's name and process id, for messages.</summary>
    public string Name => $"{Path.GetFileNameWithoutExtension(_process.StartInfo.ArgumentList.First(a => a.EndsWith(".dll", StringComparison.Ordinal)))}[{_process.Id}]";

    public int ExitCode => _process.ExitCode;

    /// <summary>Asks the process to shut down (SIGTERM, as Kubernetes does) and waits until it has.</summary>
    public async Task TerminateAsync()
    {
        SignalTerminate();
        await WaitForExitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>Sends SIGTERM and returns at once: the process drains meanwhile.</summary>
    public void SignalTerminate() => Signal(15);

    /// <summary>Sends <paramref name="signal"/> (15 SIGTERM, 2 SIGINT as Ctrl+C does) and returns at once.</summary>
    public void Signal(int signal) => Assert.Equal(0, kill(_process.Id, signal));

    /// <summary>SIGKILL: the process dies on the spot, as in a crash or an OOM kill.</summary>
    public void KillHard()
    {
        Assert.Equal(0, kill(_process.Id, 9));
        _process.WaitForExit();
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int signal);

    /// <summary>What the process printed so far (stdout and stderr), for failure messages.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Waits until the output has a match of <paramref name="pattern"/>, for up to two minutes while the process runs.</summary>
    public async Task<Match> WaitForOutputAsync(Regex pattern)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(2); ; await Task.Delay(100))
        {
            if (pattern.Match(Output) is { Success: true } match) return match;
            Assert.False(HasExited, $"{Name} exited:\n{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"{Name} printed no {pattern} within 2 minutes:\n{Output}");
        }
    }

    // The test binary lives in tests/{Project}/bin/{Configuration}/net10.0/.
    static string BuildConfiguration() => new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SmolLM3.Cluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("SmolLM3.Cluster.sln not found above the test binary");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }
}
