using Orleans.Configuration;
using SmolLM3.Contracts.Hosting;

namespace SmolLM3.Gateway.Hosting;

/// <summary>The stand-alone gateway's Orleans client, finding silos as section <c>SmolLM3:Cluster</c> says.</summary>
public static class ClusterClientExtensions
{
    public static IHostApplicationBuilder AddSmolLMClusterClient(this IHostApplicationBuilder builder)
    {
        var cluster = (builder.Configuration.GetSection(SmolLMClusterOptions.Section).Get<SmolLMClusterOptions>() ?? new()).Validate();
        builder.UseOrleansClient(client =>
        {
            client.AddActivityPropagation();   // grain calls join the gateway request's trace
            // Bounds how long a stream from a silo that died without a word hangs before it ends UNAVAILABLE.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cluster.ResponseTimeout);
            // Re-read the live gateways often, so calls stop going to a silo that died.
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            if (cluster.Provider == "localhost")
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            else
            {
                client.UseRedisClustering(cluster.Redis!);
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            }
        });
        return builder;
    }
}
