using Microsoft.Extensions.Configuration;

namespace SmolLM3.Contracts.Hosting;

/// <summary>
/// Whether a process sends its traces and metrics to an OpenTelemetry Collector: the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the other OTEL_* settings then apply). Gateways and silos record spans
/// only then: with nothing to send them to, every streamed token's grain call made and dropped spans for nothing.
/// </summary>
public static class OtlpExport
{
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static bool IsConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[EndpointSetting]);
}
