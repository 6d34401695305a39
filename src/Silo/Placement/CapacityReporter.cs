using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Placement;

/// <summary>
/// While the silo is active, reports its model and <see cref="IKvCapacity"/> figures to the registry every
/// <see cref="SmolLMSiloOptions.CapacityReportInterval"/> and keeps the answer on the local <see cref="CapacityBoard"/>.
/// Once the host is stopping it reports itself draining, at once, so placement sends conversations elsewhere.
/// </summary>
public sealed class CapacityReporter(
    IGrainFactory grains, ILocalSiloDetails silo, ModelHost host, IKvCapacity capacity, CapacityBoard board,
    IOptions<SmolLMSiloOptions> options, IHostApplicationLifetime lifetime, ILogger<CapacityReporter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    readonly CancellationTokenSource _stop = new();
    Task _loop = Task.CompletedTask;
    CancellationTokenRegistration _draining;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CapacityReporter), ServiceLifecycleStage.Active, Start, Stop);

    SiloCapacity Own() => lifetime.ApplicationStopping.IsCancellationRequested
        ? new(silo.SiloAddress, host.Info.Id, capacity.TotalTokens, 0, Draining: true)
        : new(silo.SiloAddress, host.Info.Id, capacity.TotalTokens, capacity.AvailableTokens);

    Task Start(CancellationToken _)
    {
        board.Update([Own()]);   // this silo can place on itself before the first round trip
        _loop = Task.Run(() => LoopAsync(_stop.Token));
        _draining = lifetime.ApplicationStopping.Register(() => Task.Run(() => ReportAsync(_stop.Token)));
        return Task.CompletedTask;
    }

    async Task Stop(CancellationToken _)
    {
        await _draining.DisposeAsync();
        await _stop.CancelAsync();
        await _loop;
    }

    async Task LoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.CapacityReportInterval);
        try
        {
            do await ReportAsync(stopping);
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) { }
    }

    async Task ReportAsync(CancellationToken stopping)
    {
        try { board.Update(await grains.GetGrain<ICapacityRegistryGrain>(0).ReportAsync(Own())); }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning(e, "Capacity report failed; placement uses the previous reports");
        }
    }
}
