using System.Diagnostics;
using System.Text;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>A built SmolLM3.Silo or SmolLM3.Gateway run with <c>dotnet</c> and environment settings; killed on dispose.</summary>
public sealed class ServerProcess : IDisposable
{
    readonly Process _process;
    readonly StringBuilder _output = new();

    ServerProcess(string dll, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true };
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
    public static ServerProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var dll = Path.Combine(RepoRoot(), "src", project, "bin", BuildConfiguration(), "net10.0", $"SmolLM3.{project}.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return new ServerProcess(dll, environment);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The binary's name and process id, for messages.</summary>
    public string Name => $"{Path.GetFileNameWithoutExtension(_process.StartInfo.ArgumentList[0])}[{_process.Id}]";

    public int ExitCode => _process.ExitCode;

    /// <summary>Asks the process to shut down (SIGTERM, as Kubernetes does) and waits until it has.</summary>
    public async Task TerminateAsync()
    {
        SignalTerminate();
        await WaitForExitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>Sends SIGTERM and returns at once: the process drains meanwhile.</summary>
    public void SignalTerminate() => Assert.Equal(0, kill(_process.Id, 15));

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

    /// <summary>What the process printed so far, for failure messages.</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    // The test binary lives in tests/Cluster.Tests/bin/{Configuration}/net10.0/.
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
