using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace SmolLM3.Gateway;

/// <summary>
/// Graceful shutdown of the gateway (SIGTERM). Before the server stops: health turns NOT_SERVING and new calls
/// get UNAVAILABLE (see <see cref="Services.DrainInterceptor"/>) for <see cref="GatewayOptions.DrainDelay"/>, so
/// load balancers move away; then Kestrel stops accepting and waits, up to the host's shutdown timeout
/// (<c>DOTNET_shutdownTimeoutSeconds</c>), for the running streams to finish.
/// </summary>
public sealed class GatewayDrain(IOptions<GatewayOptions> options, ILogger<GatewayDrain> logger) : IHostedLifecycleService, IHealthCheck
{
    volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var delay = options.Value.DrainDelay;
        logger.LogInformation("Draining: refusing new calls; the server stops accepting in {Delay}", delay);
        if (delay <= TimeSpan.Zero) return;
        try { await Task.Delay(delay, cancellationToken); }
        catch (OperationCanceledException) { }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining ? HealthCheckResult.Unhealthy("draining") : HealthCheckResult.Healthy("accepting calls"));

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
