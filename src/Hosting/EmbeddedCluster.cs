using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmolLM3.Contracts.Hosting;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Silo;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Telemetry;
using SmolLM3.Silo.Storage;

namespace SmolLM3.Hosting;

/// <summary>One host running a localhost silo and the gateway, which reaches grains through the silo's own client.</summary>
public static class EmbeddedCluster
{
    public static WebApplication Build(EmbeddedClusterOptions options)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(options.Configuration);
        // Logs go to stderr, so stdout carries only what the command prints.
        builder.Logging.ClearProviders().AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        var silo = new SmolLMSiloOptions
        {
            ModelPath = options.ModelPath, DType = options.DType, KvDType = options.KvDType, Device = options.Device,
            KvCacheBytes = options.KvCacheBytes, KvBlockTokens = options.KvBlockTokens,
            ContextLength = options.Context.ContextLength, RopeScaling = options.Context.RopeScaling,
            RopeScale = options.Context.RopeScale, YarnOrigCtx = options.Context.YarnOrigCtx,
            KvSpillFolder = options.DataFolder is { } data ? Path.Combine(data, "kv-spill") : null,
        };
        options.ConfigureSilo?.Invoke(silo);
        builder.AddSmolLMSilo(new SiloSettings(silo,
            new SmolLMClusterOptions { SiloPort = OrFree(options.SiloPort), GatewayPort = OrFree(options.OrleansGatewayPort) },
            options.DataFolder is { } folder ? new SmolLMStorageOptions { Provider = "folder", Folder = folder } : new SmolLMStorageOptions()));
        builder.AddSmolLMGateway(g =>
        {
            foreach (var (key, tenant) in options.ApiKeys) g.ApiKeys[key] = tenant;
            if (!g.Models.Contains(silo.ResolvedModelId)) g.Models.Insert(0, silo.ResolvedModelId);
        });
        builder.AddOtlpExportWhenConfigured();
        builder.ListenOn(IPAddress.Loopback, options.GrpcPort, options.HttpPort);
        options.ConfigureServices?.Invoke(builder.Services);   // last, so it can replace what the silo and gateway registered
        var app = builder.Build();
        app.MapSmolLMGateway();
        return app;
    }

    /// <summary>Orleans needs its localhost ports up front, so 0 becomes a port free right now.</summary>
    static int OrFree(int port) => port != 0 ? port : FreePort.OnLoopback();

    /// <summary>The gRPC address Kestrel bound, once started (resolves port 0).</summary>
    public static string Address(this WebApplication app) => app.Services.GetRequiredService<GatewayEndpoints>().GrpcAddress;

    /// <summary>The OpenAI-compatible HTTP address Kestrel bound, once started (resolves port 0).</summary>
    public static string HttpAddress(this WebApplication app) => app.Services.GetRequiredService<GatewayEndpoints>().HttpAddress;
}
