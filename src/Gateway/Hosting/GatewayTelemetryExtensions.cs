using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SmolLM3.Contracts.Hosting;

namespace SmolLM3.Gateway.Hosting;

/// <summary>
/// The gateway's Prometheus scrape endpoint, and its traces (one server span per call, parent of the grain spans) when
/// <see cref="OtlpExport"/> sends them.
/// </summary>
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
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddMeter(ClusterMeters).AddPrometheusExporter());
        if (OtlpExport.IsConfigured(builder.Configuration))
            telemetry.WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/metrics"));
        return builder;
    }
}
