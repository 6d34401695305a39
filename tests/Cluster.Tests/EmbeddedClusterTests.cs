using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
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

    [Fact]
    public async Task TwoClustersOnOneMachineTakeTheirOwnOrleansPortsUnlessTold()
    {
        // Built, never started, as above; with no ports given (as `smollm3 run` builds it).
        await using var a = EmbeddedCluster.Build(new EmbeddedClusterOptions("no-such-model") { GrpcPort = 0, HttpPort = 0 });
        await using var b = EmbeddedCluster.Build(new EmbeddedClusterOptions("no-such-model") { GrpcPort = 0, HttpPort = 0 });
        static (int Silo, int Gateway) Ports(WebApplication app) =>
            app.Services.GetRequiredService<IOptions<EndpointOptions>>().Value is var e ? (e.SiloPort, e.GatewayPort) : default;

        var (pa, pb) = (Ports(a), Ports(b));
        Assert.DoesNotContain(0, new[] { pa.Silo, pa.Gateway, pb.Silo, pb.Gateway });
        Assert.Equal(4, new[] { pa.Silo, pa.Gateway, pb.Silo, pb.Gateway }.Distinct().Count());

        await using var told = EmbeddedCluster.Build(new EmbeddedClusterOptions("no-such-model") { GrpcPort = 0, HttpPort = 0, SiloPort = 23456, OrleansGatewayPort = 23457 });
        Assert.Equal((23456, 23457), Ports(told));
    }
}
