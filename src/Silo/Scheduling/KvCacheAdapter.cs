using SmolLM3.Engine.Model;

namespace SmolLM3.Silo.Scheduling;

/// <summary>A conversation's <see cref="KvCache"/> as the planner sees it.</summary>
sealed class KvCacheAdapter(KvCache cache) : ISequenceCache
{
    public int Length => cache.Length;
    public int MaxLength => cache.MaxLength;
    public int BlockCount => cache.BlockCount;
    public bool TryReserve(int extra) => cache.TryReserve(extra);
    public void Clear() => cache.Truncate(0);
}
