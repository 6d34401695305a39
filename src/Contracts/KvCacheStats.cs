namespace SmolLM3.Contracts;

/// <summary>A snapshot of a model's KV-cache pool on one silo.</summary>
/// <param name="BlockTokens">Positions per block.</param>
/// <param name="TotalBlocks">Blocks the memory budget holds.</param>
/// <param name="UsedBlocks">Blocks held by conversations (generating, waiting or idle).</param>
/// <param name="FreeBlocks">Blocks no conversation holds.</param>
/// <param name="IdleBlocks">Blocks held by idle conversations, which give them up before a request waits.</param>
/// <param name="Evictions">Idle conversations emptied so far (they recompute their cache on their next turn).</param>
/// <param name="Preemptions">Sequences sent back to the queue for lack of blocks, to be recomputed.</param>
/// <param name="CachedPromptTokens">Prompt tokens already in a conversation's cache when its turn was submitted.</param>
[GenerateSerializer, Immutable, Alias("smollm3.KvCacheStats")]
public sealed record KvCacheStats(
    [property: Id(0)] int BlockTokens,
    [property: Id(1)] int TotalBlocks,
    [property: Id(2)] int UsedBlocks,
    [property: Id(3)] int FreeBlocks,
    [property: Id(4)] int IdleBlocks,
    [property: Id(5)] long Evictions,
    [property: Id(6)] long Preemptions,
    [property: Id(7)] long CachedPromptTokens);
