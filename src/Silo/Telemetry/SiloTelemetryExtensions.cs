using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SmolLM3.Contracts.Hosting;
using SmolLM3.Engine.Diagnostics;

namespace SmolLM3.Silo.Telemetry;

/// <summary>Registers the silo's and engine's traces and metrics with OpenTelemetry.</summary>
public static class SiloTelemetryExtensions
{
    public static IHostApplicationBuilder AddSmolLMSiloTelemetry(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(SiloTelemetry.MeterName, "System.Runtime"));   // and the runtime's GC and thread pool
        if (OtlpExport.IsConfigured(builder.Configuration))
            telemetry.WithTracing(t => t.AddSource(SiloTelemetry.SourceName, EngineTelemetry.SourceName,
                Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName));
        return builder;
    }

    /// <summary>Serves the process's metrics for Prometheus at <c>http://*:PORT/metrics</c> (a stand-alone silo has no web host of its own).</summary>
    public static IHostApplicationBuilder AddPrometheusEndpoint(this IHostApplicationBuilder builder, int port)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddPrometheusHttpListener(o =>
        {
            o.Port = port;
            // The exporter's own host setting accepts only names it can parse; "+" (every interface) goes in directly.
            o.ConfigureHttpListener = (_, listener) =>
            {
                listener.Prefixes.Clear();
                listener.Prefixes.Add($"http://+:{port}/");
            };
        }));
        return builder;
    }

    /// <summary>
    /// Exports traces and metrics over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured (the
    /// standard OTEL_* variables then apply); call once per process.
    /// </summary>
    public static IHostApplicationBuilder AddOtlpExportWhenConfigured(this IHostApplicationBuilder builder)
    {
        if (OtlpExport.IsConfigured(builder.Configuration))
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        return builder;
    }
}
