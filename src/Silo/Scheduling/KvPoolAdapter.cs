using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Scheduling;

/// <summary>The model's KV pool as the planner sees it (read when asked: the model loads after the scheduler starts).</summary>
sealed class KvPoolAdapter(ModelHost host) : IKvBlocks
{
    public int TotalTokens => host.KvPool.TotalTokens;
    public bool EvictIdle() => host.KvPool.EvictIdle();
}
