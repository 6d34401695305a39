using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace SmolLM3.Gateway.Hosting;

/// <summary>The gateway's traces (one server span per call, parent of the grain spans) and the Prometheus scrape endpoint.</summary>
public static class GatewayTelemetryExtensions
{
    /// <summary>
    /// Meters the Prometheus endpoint serves besides ASP.NET Core's: the silo's, the tenants' usage and the .NET
    /// runtime's own (collections, allocated bytes, GC pauses, thread pool), which show when the serving path's garbage
    /// costs decode steps.
    /// </summary>
    public static readonly string[] ClusterMeters = ["SmolLM3.Silo", Telemetry.TenantUsage.MeterName, "System.Runtime"];

    public static WebApplicationBuilder AddSmolLMGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/metrics"))
            .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddMeter(ClusterMeters).AddPrometheusExporter());
        return builder;
    }
}
