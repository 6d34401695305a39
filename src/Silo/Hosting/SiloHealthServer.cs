using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace SmolLM3.Silo.Hosting;

/// <summary>
/// The stand-alone silo's gRPC health service (grpc.health.v1, h2c on all interfaces). Service "" is readiness:
/// SERVING once the model is loaded and the silo active, NOT_SERVING before and while draining. Service
/// "liveness" is SERVING while the process answers. It runs in its own small host, started before the silo's,
/// so probes get an answer during a long model load.
/// </summary>
public static class SiloHealthServer
{
    public const string Liveness = "liveness";

    public static async Task<WebApplication> StartAsync(int port, SiloReadiness readiness)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddGrpcHealthChecks(o =>
            {
                o.UseHealthChecksCache = false;   // answer from the checks now
                o.Services.Clear();
                o.Services.Map("", r => r.Tags.Contains("ready"));
                o.Services.Map(Liveness, r => r.Tags.Contains("live"));
            })
            .AddCheck("ready", readiness.Check, tags: ["ready"])
            .AddCheck(Liveness, () => HealthCheckResult.Healthy("running"), tags: ["live"]);
        var app = builder.Build();
        app.MapGrpcHealthChecksService();
        await app.StartAsync();
        return app;
    }
}
