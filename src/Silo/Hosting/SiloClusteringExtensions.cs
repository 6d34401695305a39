using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using SmolLM3.Contracts.Hosting;

namespace SmolLM3.Silo.Hosting;

/// <summary>Membership and identity of a silo from <see cref="SmolLMClusterOptions"/>.</summary>
public static class SiloClusteringExtensions
{
    public static ISiloBuilder UseSmolLMClustering(this ISiloBuilder silo, SmolLMClusterOptions cluster)
    {
        // A dead silo is noticed after about ProbeTimeout × MissedProbesLimit; tests tighten both.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            if (cluster.ProbeTimeout is { } timeout) o.ProbeTimeout = timeout;
            if (cluster.MissedProbesLimit is { } limit) o.NumMissedProbesLimit = limit;
        });
        if (cluster.Validate().Provider == "localhost")
            return silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort,
                cluster.PrimarySiloPort is { } primary ? new IPEndPoint(IPAddress.Loopback, primary) : null,
                serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);

        silo.UseRedisClustering(cluster.Redis!);
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
        if (cluster.Kubernetes)
        {
            // The pod's name and IP become the silo's; ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID, when set, override the ids.
            silo.Configure<EndpointOptions>(o => (o.SiloPort, o.GatewayPort) = (cluster.SiloPort, cluster.GatewayPort));
            silo.UseKubernetesHosting();
        }
        else if (cluster.AdvertisedIP is { } ip)
            silo.ConfigureEndpoints(IPAddress.Parse(ip), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        else
            silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
        return silo;
    }
}
