namespace SmolLM3.Engine.Model;

/// <summary>
/// A cache needs more blocks than its pool has free right now (others hold them). Unlike a sequence
/// larger than the whole pool this is temporary: a scheduler reserves blocks before a step
/// (<see cref="KvCache.TryReserve"/>) and evicts or waits instead of meeting this.
/// </summary>
public sealed class KvPoolExhaustedException(int neededBlocks, KvPoolStats stats)
    : Exception($"the KV pool has {stats.FreeBlocks} free blocks of {stats.TotalBlocks} ({stats.BlockTokens} tokens each) but the sequence needs {neededBlocks} more")
{
    public int NeededBlocks { get; } = neededBlocks;
    public KvPoolStats Stats { get; } = stats;
}
