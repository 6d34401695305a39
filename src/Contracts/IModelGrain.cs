namespace SmolLM3.Contracts;

/// <summary>One loaded model on one silo; keyed by model id.</summary>
[Alias("smollm3.IModelGrain")]
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>Describes the model this grain serves.</summary>
    ValueTask<ModelInfo> DescribeAsync();

    /// <summary>Counters of the silo's batch scheduler for this model.</summary>
    ValueTask<SchedulerStats> GetStatsAsync();

    /// <summary>Blocks of the silo's KV-cache pool for this model: total, used, free, idle, evictions.</summary>
    ValueTask<KvCacheStats> GetKvCacheStatsAsync();
}
