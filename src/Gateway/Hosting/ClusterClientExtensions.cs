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
