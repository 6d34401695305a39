namespace SmolLM3.Contracts;

/// <summary>A snapshot of a model's KV-cache pool on one silo.</summary>
/// <param name="BlockTokens">Positions per block.</param>
/// <param name="TotalBlocks">Blocks the memory budget holds.</param>
/// <param name="UsedBlocks">Blocks held by conversations (generating, waiting or idle).</param>
/// <param name="FreeBlocks">Blocks no conversation holds.</param>
/// <param name="IdleBlocks">Blocks held by idle conversations, which give them up before a request waits.</param>
/// <param name="Evictions">Idle conversations emptied so far (they recompute their cache on their next turn).</param>
/// <param name="Preemptions">Sequences sent back to the queue for lack of blocks, to be recomputed.</param>
/// <param name="CachedPromptTokens">Prompt tokens already in a conversation's cache when its turn was submitted (its own or shared).</param>
/// <param name="SharedBlocks">Blocks read by more than one conversation (a common start held once).</param>
/// <param name="CachedBlocks">Blocks no conversation holds that keep a prompt start for the next with it; counted as free.</param>
/// <param name="PrefixQueriedTokens">Prompt positions looked up among the pool's shared blocks so far.</param>
/// <param name="PrefixHitTokens">Those found there (whole blocks, or copied from a block's start) or in the spill tier, not computed.</param>
/// <param name="RestoredTokens">Of those, positions read back from the spill tier on disk.</param>
/// <param name="SpillBlocks">Blocks in the spill tier now.</param>
/// <param name="SpillBytes">Bytes they take on disk.</param>
/// <param name="SpillFault">Why spilling stopped (null while it works or when there is no spill tier).</param>
[GenerateSerializer, Immutable, Alias("smollm3.KvCacheStats")]
public sealed record KvCacheStats(
    [property: Id(0)] int BlockTokens,
    [property: Id(1)] int TotalBlocks,
    [property: Id(2)] int UsedBlocks,
    [property: Id(3)] int FreeBlocks,
    [property: Id(4)] int IdleBlocks,
    [property: Id(5)] long Evictions,
    [property: Id(6)] long Preemptions,
    [property: Id(7)] long CachedPromptTokens,
    [property: Id(8)] int SharedBlocks = 0,
    [property: Id(9)] int CachedBlocks = 0,
    [property: Id(10)] long PrefixQueriedTokens = 0,
    [property: Id(11)] long PrefixHitTokens = 0,
    [property: Id(12)] long RestoredTokens = 0,
    [property: Id(13)] int SpillBlocks = 0,
    [property: Id(14)] long SpillBytes = 0,
    [property: Id(15)] string? SpillFault = null)
{
    /// <summary>Share of the looked-up positions found among the shared blocks (0 before any lookup).</summary>
    public double PrefixHitRate => PrefixQueriedTokens == 0 ? 0 : (double)PrefixHitTokens / PrefixQueriedTokens;
}
