using SmolLM3.Contracts;

namespace SmolLM3.Silo.Models;

/// <summary>Answers for the model a silo hosts (placed on one that serves it): what it is and how its scheduler is doing.</summary>
[ModelPlacement, GrainType(GrainTypeName)]
public sealed class ModelGrain(ModelHost host, ISchedulerStats scheduler) : Grain, IModelGrain
{
    public const string GrainTypeName = "model";

    public ValueTask<ModelInfo> DescribeAsync() =>
        this.GetPrimaryKeyString() == host.Info.Id
            ? ValueTask.FromResult(host.Info)
            : throw new KeyNotFoundException($"model '{this.GetPrimaryKeyString()}' is not served here");

    public ValueTask<SchedulerStats> GetStatsAsync() => ValueTask.FromResult(scheduler.Stats);

    public ValueTask<KvCacheStats> GetKvCacheStatsAsync() => ValueTask.FromResult(scheduler.KvStats);
}
