using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Hosting;
using SmolLM3.Silo.Hosting;

namespace SmolLM3.Cluster.Tests;

/// <summary><see cref="EmbeddedClusterOptions.ConfigureServices"/> runs after the silo and the gateway registered theirs.</summary>
public class EmbeddedClusterTests
{
    [Fact]
    public async Task ServicesConfiguredByTheCallerReplaceTheSilosAndTheGateways()
    {
        var readiness = new SiloReadiness();
        var endpoints = new GatewayEndpoints();
        // Built, never started: nothing is loaded, so the model path need not exist.
        await using var app = EmbeddedCluster.Build(new EmbeddedClusterOptions("no-such-model")
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = 0,
            ConfigureServices = services => services.AddSingleton(readiness).AddSingleton(endpoints),
        });

        Assert.Same(readiness, app.Services.GetRequiredService<SiloReadiness>());
        Assert.Same(endpoints, app.Services.GetRequiredService<GatewayEndpoints>());
    }
}
