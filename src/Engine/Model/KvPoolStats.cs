namespace SmolLM3.Engine.Model;

/// <summary>
/// A snapshot of a <see cref="KvBlockPool"/>: blocks free (including <paramref name="CachedBlocks"/>, addressed blocks no
/// cache reads, which the pool takes back first), held by idle caches and by no busy one, evictions so far, blocks read
/// by more than one cache, the whole-block prompt positions looked up in the pool's prefix index and found there (in
/// memory, or read back from the spill tier: <paramref name="RestoredTokens"/>), and the spill tier's own state.
/// </summary>
public readonly record struct KvPoolStats(int BlockTokens, int TotalBlocks, int FreeBlocks, int IdleBlocks, long Evictions,
    int CachedBlocks = 0, int SharedBlocks = 0, long PrefixQueriedTokens = 0, long PrefixHitTokens = 0,
    long RestoredTokens = 0, KvSpillStats? Spill = null)
{
    public int UsedBlocks => TotalBlocks - FreeBlocks;

    /// <summary>Share of the looked-up positions found in the pool (0 before any lookup).</summary>
    public double PrefixHitRate => PrefixQueriedTokens == 0 ? 0 : (double)PrefixHitTokens / PrefixQueriedTokens;
}
