using System.Net;
using System.Net.Sockets;

namespace SmolLM3.Hosting;

/// <summary>A loopback TCP port nobody listens on, for settings that cannot take 0 (Orleans' ports, a child process's).</summary>
public static class FreePort
{
    /// <summary>A port free right now; another process may still take it before the caller binds it.</summary>
    public static int OnLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
