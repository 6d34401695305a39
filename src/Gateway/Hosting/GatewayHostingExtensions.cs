using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using SmolLM3.Gateway.Security;
using SmolLM3.Gateway.Services;

namespace SmolLM3.Gateway.Hosting;

/// <summary>Composition of the gRPC gateway; the host supplies an Orleans client (or is itself a silo).</summary>
public static class GatewayHostingExtensions
{
    /// <summary>Registers the Chat service, its interceptors and options (section "SmolLM3").</summary>
    public static WebApplicationBuilder AddSmolLMGateway(this WebApplicationBuilder builder, Action<GatewayOptions>? configure = null)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).Configure(o => configure?.Invoke(o));
        builder.Services.AddGrpc(grpc =>
        {
            // Registration order is call order: exceptions are mapped around authentication too.
            grpc.Interceptors.Add<ExceptionInterceptor>();
            grpc.Interceptors.Add<DrainInterceptor>();
            grpc.Interceptors.Add<ApiKeyInterceptor>();
        });
        builder.Services.AddSingleton<GatewayDrain>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayDrain>());
        // Standard gRPC health (grpc.health.v1) for probes and load balancers (NOT_SERVING while draining), and server reflection for tools like grpcurl.
        builder.Services.AddGrpcHealthChecks(o => o.UseHealthChecksCache = false)   // answer from the checks now, not a result published every few seconds
            .AddCheck<GatewayDrain>("gateway");
        builder.Services.AddGrpcReflection();
        builder.AddSmolLMGatewayTelemetry();
        return builder;
    }

    /// <summary>Listens for cleartext HTTP/2 (h2c) on 127.0.0.1:<paramref name="port"/> (0 picks a free port).</summary>
    public static WebApplicationBuilder ListenOnLoopback(this WebApplicationBuilder builder, int port)
    {
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        return builder;
    }

    /// <summary>Listens for h2c on every interface at <paramref name="port"/> (the stand-alone gateway process).</summary>
    public static WebApplicationBuilder ListenOnAllInterfaces(this WebApplicationBuilder builder, int port)
    {
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(port, l => l.Protocols = HttpProtocols.Http2));
        return builder;
    }

    /// <summary>Maps the Chat service, gRPC health, server reflection and the Prometheus scrape endpoint.</summary>
    public static WebApplication MapSmolLMGateway(this WebApplication app)
    {
        app.MapGrpcService<ChatService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapPrometheusScrapingEndpoint();   // GET /metrics
        return app;
    }
}
