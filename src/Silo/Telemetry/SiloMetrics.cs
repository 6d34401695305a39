using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace SmolLM3.Silo.Telemetry;

/// <summary>
/// The silo's serving metrics (tagged with the model id). Tokens per second is the rate of
/// <c>smollm3.tokens.generated</c>; gauges of queue depth and KV blocks are observed from the scheduler.
/// </summary>
public sealed class SiloMetrics
{
    readonly KeyValuePair<string, object?> _model;

    public SiloMetrics(IMeterFactory meters, IOptions<SmolLMSiloOptions> options)
    {
        Meter = meters.Create(SiloTelemetry.MeterName);
        _model = new("smollm3.model", options.Value.ResolvedModelId);
        TimeToFirstToken = Meter.CreateHistogram<double>("smollm3.time_to_first_token", "s", "From a turn's arrival at its conversation to its first token");
        InterTokenLatency = Meter.CreateHistogram<double>("smollm3.inter_token_latency", "s", "Between consecutive tokens of one reply");
        PromptTokens = Meter.CreateCounter<long>("smollm3.tokens.prompt", "{token}", "Prompt tokens of all turns, cached or not");
        CachedTokens = Meter.CreateCounter<long>("smollm3.tokens.cached", "{token}", "Prompt tokens served from a conversation's KV cache (cache hits)");
        GeneratedTokens = Meter.CreateCounter<long>("smollm3.tokens.generated", "{token}", "Tokens sampled");
        BatchSize = Meter.CreateHistogram<int>("smollm3.batch.size", "{sequence}", "Sequences in one forward pass");
        BatchTokens = Meter.CreateHistogram<int>("smollm3.batch.tokens", "{token}", "Tokens fed in one forward pass");
    }

    public Meter Meter { get; }
    public Histogram<double> TimeToFirstToken { get; }
    public Histogram<double> InterTokenLatency { get; }
    public Counter<long> PromptTokens { get; }
    public Counter<long> CachedTokens { get; }
    public Counter<long> GeneratedTokens { get; }
    public Histogram<int> BatchSize { get; }
    public Histogram<int> BatchTokens { get; }

    /// <summary>The model tag every measurement carries.</summary>
    public KeyValuePair<string, object?> Model => _model;

    /// <summary>An observable gauge tagged with the model.</summary>
    public void Gauge(string name, string unit, string description, Func<long> read) =>
        Meter.CreateObservableGauge(name, () => new Measurement<long>(read(), _model), unit, description);

    /// <summary>An observable gauge of a fraction or rate, tagged with the model.</summary>
    public void Gauge(string name, string unit, string description, Func<double> read) =>
        Meter.CreateObservableGauge(name, () => new Measurement<double>(read(), _model), unit, description);
}
