using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Silo.Hosting;

namespace SmolLM3.Cli.Cluster;

/// <summary>One host running a localhost silo and the gateway, which reaches grains through the silo's own client.</summary>
public static class EmbeddedCluster
{
    public static WebApplication Build(EmbeddedClusterOptions options)
    {
        var builder = WebApplication.CreateBuilder();
        // Logs go to stderr, so stdout carries only what the command prints.
        builder.Logging.ClearProviders().AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        var silo = new SmolLMSiloOptions { ModelPath = options.ModelPath };
        builder.AddSmolLMSilo(options.ModelPath,
            o => (o.DataFolder, o.DType, o.Device, o.KvCacheBytes, o.KvBlockTokens) = (options.DataFolder, options.DType, options.Device, options.KvCacheBytes, options.KvBlockTokens),
            configureSilo: s => s.UseLocalhostClustering(options.SiloPort, options.OrleansGatewayPort));
        builder.AddSmolLMGateway(g =>
        {
            foreach (var (key, tenant) in options.ApiKeys) g.ApiKeys[key] = tenant;
            if (!g.Models.Contains(silo.ResolvedModelId)) g.Models.Insert(0, silo.ResolvedModelId);
        });
        builder.ListenOnLoopback(options.GrpcPort);
        var app = builder.Build();
        app.MapSmolLMGateway();
        return app;
    }

    /// <summary>The address Kestrel bound, once started (resolves port 0).</summary>
    public static string Address(this WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
}
