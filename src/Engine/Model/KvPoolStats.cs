namespace SmolLM3.Engine.Model;

/// <summary>A snapshot of a <see cref="KvBlockPool"/>: blocks free, held by idle caches, and evictions so far.</summary>
public readonly record struct KvPoolStats(int BlockTokens, int TotalBlocks, int FreeBlocks, int IdleBlocks, long Evictions)
{
    public int UsedBlocks => TotalBlocks - FreeBlocks;
}
