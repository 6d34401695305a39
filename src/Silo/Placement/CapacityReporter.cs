using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Placement;

/// <summary>
/// While the silo is active, reports its model and <see cref="IKvCapacity"/> figures to the registry every
/// <see cref="SmolLMSiloOptions.CapacityReportInterval"/> and keeps the answer on the local <see cref="CapacityBoard"/>.
/// </summary>
public sealed class CapacityReporter(
    IGrainFactory grains, ILocalSiloDetails silo, ModelHost host, IKvCapacity capacity, CapacityBoard board,
    IOptions<SmolLMSiloOptions> options, ILogger<CapacityReporter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    readonly CancellationTokenSource _stop = new();
    Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(CapacityReporter), ServiceLifecycleStage.Active, Start, Stop);

    SiloCapacity Own() => new(silo.SiloAddress, host.Info.Id, capacity.TotalTokens, capacity.AvailableTokens);

    Task Start(CancellationToken _)
    {
        board.Update([Own()]);   // this silo can place on itself before the first round trip
        _loop = Task.Run(() => LoopAsync(_stop.Token));
        return Task.CompletedTask;
    }

    async Task Stop(CancellationToken _)
    {
        await _stop.CancelAsync();
        await _loop;
    }

    async Task LoopAsync(CancellationToken stopping)
    {
        var registry = grains.GetGrain<ICapacityRegistryGrain>(0);
        using var timer = new PeriodicTimer(options.Value.CapacityReportInterval);
        try
        {
            do
            {
                try { board.Update(await registry.ReportAsync(Own())); }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Capacity report failed; placement uses the previous reports");
                }
            } while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) { }
    }
}
