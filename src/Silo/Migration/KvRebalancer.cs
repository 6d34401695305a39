using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Placement;

namespace SmolLM3.Silo.Migration;

/// <summary>
/// Imbalance: every <see cref="SmolLMSiloOptions.CapacityReportInterval"/>, when this silo's KV pool holds more than
/// <see cref="SmolLMSiloOptions.KvRebalanceHighWater"/> of its blocks and another silo serving the model has more room
/// than this one, idle conversations move there (KV first, largest first) until the pool is under
/// <see cref="SmolLMSiloOptions.KvRebalanceLowWater"/>, rather than being evicted here and recomputed later.
/// </summary>
public sealed class KvRebalancer(
    ModelHost host, CapacityBoard board, ConversationMigration migration, ILocalSiloDetails silo, IOptions<SmolLMSiloOptions> options,
    ILogger<KvRebalancer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    readonly CancellationTokenSource _stop = new();
    Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(KvRebalancer), ServiceLifecycleStage.Active, Start, Stop);

    Task Start(CancellationToken _)
    {
        if (options.Value.KvRebalanceHighWater is not null) _loop = Task.Run(() => LoopAsync(_stop.Token));
        return Task.CompletedTask;
    }

    async Task Stop(CancellationToken _)
    {
        await _stop.CancelAsync();
        await _loop;
    }

    /// <summary>Share of the pool's blocks conversations hold (running or idle).</summary>
    double Used()
    {
        var s = host.KvPool.Stats;
        return (double)s.UsedBlocks / s.TotalBlocks;
    }

    async Task LoopAsync(CancellationToken stopping)
    {
        var o = options.Value;
        using var timer = new PeriodicTimer(o.CapacityReportInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                if (!host.IsLoaded || Used() < o.KvRebalanceHighWater) continue;
                int room = host.KvPool.Stats.FreeBlocks * host.KvPool.BlockTokens;
                if (!board.Reports.Any(r => !r.Silo.Equals(silo.SiloAddress) && r.Model == host.Info.Id && !r.Draining && r.AvailableTokens > room)) continue;
                logger.LogInformation("KV pool {Used:P0} full (high-water {High:P0}): moving idle conversations to silos with more room", Used(), o.KvRebalanceHighWater);
                await migration.MoveAsync("Rebalance", enough: () => Used() < o.KvRebalanceLowWater, stopping);
            }
        }
        catch (OperationCanceledException) { }
        catch (Exception e)
        {
            logger.LogError(e, "KV rebalancing stopped");
        }
    }
}
