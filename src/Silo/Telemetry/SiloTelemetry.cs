using System.Diagnostics;

namespace SmolLM3.Silo.Telemetry;

/// <summary>Names of the silo's trace source and meter, so exporters, dashboards and tests agree.</summary>
public static class SiloTelemetry
{
    public const string SourceName = "SmolLM3.Silo";
    public const string MeterName = "SmolLM3.Silo";

    /// <summary>Spans of a chat turn: the turn itself and its queue, prefill and decode phases.</summary>
    public static readonly ActivitySource Source = new(SourceName);
}
