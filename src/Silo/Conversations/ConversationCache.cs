using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Model;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// A conversation's KV cache, drawn from the model's block pool on its first turn, and the tokens it was built
/// from. Owned by one grain activation; <see cref="TurnRunner"/> lends it to the scheduler for each turn.
/// </summary>
public sealed class ConversationCache
{
    KvCache? _cache;

    public ConversationTokens Tokens { get; } = new();

    /// <summary>Positions the cache holds now (0 before the first turn or after <see cref="Drop"/>).</summary>
    public int Length => _cache?.Length ?? 0;

    /// <summary>The cache, made on first use, marked in use: safe from eviction until <see cref="KvCache.MarkIdle"/>.</summary>
    public KvCache Acquire(KvBlockPool pool)
    {
        var cache = _cache ??= pool.NewCache();
        cache.MarkInUse();
        return cache;
    }

    /// <summary>Gives the cache's blocks back to the pool and forgets its tokens.</summary>
    public void Drop()
    {
        _cache?.Dispose();
        _cache = null;
        Tokens.Reset([]);
    }
}
