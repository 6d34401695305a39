using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace SmolLM3.Gateway.Hosting;

/// <summary>The gateway's traces (one server span per call, parent of the grain spans) and the Prometheus scrape endpoint.</summary>
public static class GatewayTelemetryExtensions
{
    /// <summary>Meters the Prometheus endpoint serves besides ASP.NET Core's: the silo's and the tenants' usage.</summary>
    public static readonly string[] ClusterMeters = ["SmolLM3.Silo", Telemetry.TenantUsage.MeterName];

    public static WebApplicationBuilder AddSmolLMGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path != "/metrics"))
            .WithMetrics(m => m.AddAspNetCoreInstrumentation().AddMeter(ClusterMeters).AddPrometheusExporter());
        return builder;
    }
}
