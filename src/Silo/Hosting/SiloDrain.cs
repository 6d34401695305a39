using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Silo.Conversations;
using SmolLM3.Silo.Migration;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Hosting;

/// <summary>
/// Graceful shutdown of a silo (SIGTERM). Registered after Orleans, so it stops first: readiness turns
/// NOT_SERVING, the scheduler takes no new turns (they fail retryable), and open turns get most of the host's
/// shutdown timeout (<c>DOTNET_shutdownTimeoutSeconds</c>) to finish; any left then end retryable. What is left of
/// that time moves the conversations, largest KV first, to other silos (<see cref="ConversationMigration"/>). Only
/// after that does Orleans deactivate the rest (their transcripts are already stored) and leave the cluster.
/// </summary>
public sealed class SiloDrain(
    SiloReadiness readiness, BatchScheduler scheduler, OpenTurns turns, ConversationMigration migration, IOptions<HostOptions> host,
    ILogger<SiloDrain> logger) : IHostedService
{
    /// <summary>Share of the shutdown timeout kept for Orleans to deactivate grains and leave membership.</summary>
    const double OrleansShare = 0.2;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// New turns refused, then readiness NOT_SERVING, in that order: whoever sees NOT_SERVING finds new turns refused.
    /// Shutdown's first callback (<see cref="ReadinessParticipant"/>) and this service's stop both begin with it; a
    /// second call changes nothing.
    /// </summary>
    internal static void BeginDraining(BatchScheduler scheduler, SiloReadiness readiness)
    {
        scheduler.StopAdmitting();
        readiness.Draining();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginDraining(scheduler, readiness);
        var timeout = host.Value.ShutdownTimeout;
        var grace = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout * (1 - OrleansShare);
        logger.LogInformation("Draining: {Turns} turns open; waiting up to {Grace} for them (shutdown timeout {Timeout})", turns.Count, grace, timeout);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(grace);
        if (await turns.WaitIdleAsync(deadline.Token))
        {
            logger.LogInformation("Drained: every open turn finished");
            // the rest of the grace period moves conversations, with their KV, to other silos
            await migration.MoveAllAsync(deadline.Token);
            return;
        }
        int left = turns.Count;
        scheduler.AbandonRemaining();
        using var after = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await turns.WaitIdleAsync(after.Token);
        logger.LogWarning("Drain grace period over: {Turns} open turns ended retryable", left);
    }
}
