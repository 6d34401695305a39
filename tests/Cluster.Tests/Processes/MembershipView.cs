using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>The Redis membership table of a process cluster, read through an Orleans client of the test's own.</summary>
public sealed class MembershipView : IAsyncDisposable
{
    readonly IHost _host;

    MembershipView(IHost host) => _host = host;

    public static async Task<MembershipView> ConnectAsync(IReadOnlyDictionary<string, string> cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(c => c.UseRedisClustering(cluster["SmolLM3__Cluster__Redis"])
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster["SmolLM3__Cluster__ClusterId"], "smollm3")));
        var host = builder.Build();
        await host.StartAsync();
        return new MembershipView(host);
    }

    /// <summary>The newest membership row of <paramref name="silo"/>'s process (matched by its silo port).</summary>
    public async Task<MembershipEntry> EntryAsync(SiloProcess silo)
    {
        var management = _host.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var rows = await management.GetDetailedHosts(onlyActive: false);
        return rows.Where(r => r.SiloAddress.Endpoint.Port == silo.SiloPort).OrderByDescending(r => r.SiloAddress.Generation).First();
    }

    /// <summary>Waits until <paramref name="silo"/>'s row says Dead; returns it.</summary>
    public async Task<MembershipEntry> DeadAsync(SiloProcess silo, TimeSpan timeout)
    {
        for (var deadline = DateTime.UtcNow + timeout; ; await Task.Delay(100))
        {
            string status;
            try
            {
                var entry = await EntryAsync(silo);
                if (entry.Status == SiloStatus.Dead) return entry;
                status = entry.Status.ToString();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                status = e.Message;   // the client's connection to the lost silo fails until it gives up on it
            }
            Assert.True(DateTime.UtcNow < deadline, $"silo at port {silo.SiloPort} not Dead after {timeout}: {status}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
