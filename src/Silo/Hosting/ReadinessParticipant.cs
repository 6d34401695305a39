using Microsoft.Extensions.Hosting;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Hosting;

/// <summary>
/// Marks the silo ready when it becomes active (its model is loaded by then) and draining as soon as shutdown begins:
/// the scheduler stops taking new turns first, so whoever sees readiness NOT_SERVING finds new turns refused.
/// </summary>
public sealed class ReadinessParticipant(SiloReadiness readiness, ModelHost model, BatchScheduler scheduler, IHostApplicationLifetime lifetime)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(nameof(ReadinessParticipant), ServiceLifecycleStage.Active,
        ct =>
        {
            if (!model.IsLoaded) throw new InvalidOperationException("the silo became active before its model was loaded");
            lifetime.ApplicationStopping.Register(() => SiloDrain.BeginDraining(scheduler, readiness));
            readiness.Serving();
            return Task.CompletedTask;
        },
        _ =>
        {
            readiness.Draining();
            return Task.CompletedTask;
        });
}
