using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SmolLM3.Gateway.Limits;
using SmolLM3.Gateway.Models;
using SmolLM3.Gateway.OpenAi;
using SmolLM3.Gateway.Security;
using SmolLM3.Gateway.Services;
using SmolLM3.Gateway.Telemetry;
using SmolLM3.Gateway.Turns;

namespace SmolLM3.Gateway.Hosting;

/// <summary>Composition of the gateway; the host supplies an Orleans client (or is itself a silo).</summary>
public static class GatewayHostingExtensions
{
    /// <summary>The gRPC health service name for liveness probes (the silo uses the same name).</summary>
    public const string Liveness = "liveness";

    /// <summary>Registers the Chat service, the OpenAI API, keys, tenant limits and options (section "SmolLM3").</summary>
    public static WebApplicationBuilder AddSmolLMGateway(this WebApplicationBuilder builder, Action<GatewayOptions>? configure = null)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).Configure(o => configure?.Invoke(o)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
        builder.Services.AddSingleton<ApiKeyDirectory>();
        builder.Services.AddSingleton<TenantLimiter>();
        builder.Services.AddSingleton<SharedLimits>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SharedLimits>());
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<TenantUsage>();
        builder.Services.AddSingleton<ChatTurns>();
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        builder.Services.AddSingleton<CompletionsEndpoint>();
        builder.Services.AddSingleton<OpenAiTurnCall>();
        builder.Services.AddGrpc(grpc =>
        {
            // Registration order is call order: exceptions are mapped around authentication too.
            grpc.Interceptors.Add<ExceptionInterceptor>();
            grpc.Interceptors.Add<DrainInterceptor>();
            grpc.Interceptors.Add<ApiKeyInterceptor>();
        });
        // after AddGrpc's own setup, so the configured bound is the one that holds
        builder.Services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<IOptions<GatewayOptions>>((grpc, gateway) => grpc.MaxReceiveMessageSize = gateway.Value.MaxRequestBytes);
        builder.Services.AddSingleton<GatewayDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayDrain>());
        // Standard gRPC health (grpc.health.v1) for probes and load balancers (NOT_SERVING while draining), and server reflection for tools like grpcurl.
        builder.Services.AddGrpcHealthChecks(o =>
            {
                o.UseHealthChecksCache = false;   // answer from the checks now, not a result published every few seconds
                // Service "" is readiness (NOT_SERVING while draining); "liveness" only says the process answers,
                // so a probe never kills a gateway that is letting its streams finish.
                o.Services.Map(Liveness, r => r.Name == "alive");
            })
            .AddCheck<GatewayDrain>("gateway")
            .AddCheck("alive", () => HealthCheckResult.Healthy("the process answers"));
        builder.Services.AddGrpcReflection();
        builder.AddSmolLMGatewayTelemetry();
        return builder;
    }

    /// <summary>
    /// Listens on <paramref name="address"/> for gRPC (cleartext HTTP/2) on <paramref name="grpcPort"/> and for the
    /// OpenAI API on <paramref name="httpPort"/>; 0 picks a free port. The HTTP port speaks HTTP/1.1 only: without
    /// TLS Kestrel cannot negotiate HTTP/2 there, and OpenAI clients do not use h2c. Once started,
    /// <see cref="GatewayEndpoints"/> names both addresses.
    /// </summary>
    public static WebApplicationBuilder ListenOn(this WebApplicationBuilder builder, IPAddress address, int grpcPort, int httpPort)
    {
        var endpoints = new GatewayEndpoints();
        builder.Services.AddSingleton(endpoints);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(address, grpcPort, l => (l.Protocols, endpoints.Grpc) = (HttpProtocols.Http2, l));
            k.Listen(address, httpPort, l => (l.Protocols, endpoints.Http) = (HttpProtocols.Http1, l));
        });
        return builder;
    }

    /// <summary>
    /// The stand-alone gateway process: <see cref="ListenOn"/> every interface at the configured
    /// <see cref="GatewayOptions.GrpcPort"/> and <see cref="GatewayOptions.HttpPort"/> (5080 and 8080 unless set).
    /// </summary>
    public static WebApplicationBuilder ListenOnAllInterfaces(this WebApplicationBuilder builder)
    {
        var ports = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        return builder.ListenOn(IPAddress.Any, ports.GrpcPort, ports.HttpPort);
    }

    /// <summary>Maps the Chat service, gRPC health, server reflection, the OpenAI API under /v1 and the Prometheus scrape endpoint.</summary>
    public static WebApplication MapSmolLMGateway(this WebApplication app)
    {
        app.MapGrpcService<ChatService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapOpenAi();
        app.MapPrometheusScrapingEndpoint();   // GET /metrics
        return app;
    }
}
