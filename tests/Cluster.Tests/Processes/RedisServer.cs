using System.Diagnostics;
using System.Net.Sockets;
using SmolLM3.Hosting;
using SmolLM3.Testing;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>A throwaway redis-server on a free loopback port, without persistence; skips the test when redis-server is not installed.</summary>
public sealed class RedisServer : IDisposable
{
    readonly Process _process;

    public int Port { get; }
    public string ConnectionString => $"127.0.0.1:{Port}";

    RedisServer(string binary)
    {
        Port = FreePort.OnLoopback();
        _process = Process.Start(new ProcessStartInfo(binary, ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
        })!;
        _process.BeginOutputReadLine();
    }

    public static async Task<RedisServer> StartAsync()
    {
        var binary = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists);
        Prerequisite.Need(binary is not null, "redis-server is not installed (scripts/setup.sh installs it: apt-get install redis-server)");
        var server = new RedisServer(binary!);
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(100))
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", server.Port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !server._process.HasExited) { }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
