using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmolLM3.Silo.Hosting;

/// <summary>Whether the silo should get traffic: only once its model is loaded and it has joined the cluster, and not while it drains.</summary>
public sealed class SiloReadiness
{
    volatile string? _notReady = "loading the model";

    public bool IsReady => _notReady is null;

    internal void Serving() => _notReady = null;

    internal void Draining() => _notReady = "draining";

    public HealthCheckResult Check() => _notReady is { } why ? HealthCheckResult.Unhealthy(why) : HealthCheckResult.Healthy("serving");
}
