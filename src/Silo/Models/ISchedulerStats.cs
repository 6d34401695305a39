using SmolLM3.Contracts;

namespace SmolLM3.Silo.Models;

/// <summary>What the silo's batch scheduler reports of its work on the model (the model grain serves it).</summary>
public interface ISchedulerStats
{
    /// <summary>Steps, batch sizes and occupancy so far.</summary>
    SchedulerStats Stats { get; }

    /// <summary>The model's KV pool and what the scheduler did to fit sequences into it.</summary>
    KvCacheStats KvStats { get; }
}
