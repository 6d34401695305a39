using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

/// <summary>
/// An in-memory KV pool of a fixed number of blocks: caches hold whole blocks, idle caches give theirs up least
/// recently used first, and every count is checked so the pool can never hand out more than it has.
/// </summary>
sealed class FakeKvPool(int blocks, int blockTokens) : IKvBlocks
{
    readonly List<FakeCache> _caches = [];
    readonly LinkedList<FakeCache> _idle = new();

    public int TotalBlocks { get; } = blocks;
    public int BlockTokens { get; } = blockTokens;
    public int FreeBlocks { get; private set; } = blocks;
    public int Evictions { get; private set; }
    public int TotalTokens => TotalBlocks * BlockTokens;

    public FakeCache NewCache(int maxLength)
    {
        var cache = new FakeCache(this, maxLength);
        _caches.Add(cache);
        return cache;
    }

    public bool EvictIdle()
    {
        if (_idle.FirstOrDefault(c => c.BlockCount > 0) is not { } victim) return false;
        victim.Clear();
        Evictions++;
        return true;
    }

    internal bool TryTake(int count)
    {
        if (count > FreeBlocks) return false;
        FreeBlocks -= count;
        return true;
    }

    internal void Give(int count) => FreeBlocks += count;

    internal void Park(FakeCache cache)
    {
        _idle.Remove(cache);
        _idle.AddLast(cache);
    }

    internal void Unpark(FakeCache cache) => _idle.Remove(cache);

    internal void Forget(FakeCache cache)
    {
        _idle.Remove(cache);
        _caches.Remove(cache);
    }

    /// <summary>Blocks held plus blocks free is the pool, free is never negative, and each cache holds what its positions need.</summary>
    public void AssertConsistent()
    {
        Assert.InRange(FreeBlocks, 0, TotalBlocks);
        Assert.Equal(TotalBlocks, FreeBlocks + _caches.Sum(c => c.BlockCount));
        foreach (var c in _caches) Assert.True(c.Length <= c.BlockCount * BlockTokens, $"a cache of {c.Length} positions holds only {c.BlockCount} blocks");
    }
}

/// <summary>One sequence's cache in a <see cref="FakeKvPool"/>: remembers the tokens fed into it, in order.</summary>
sealed class FakeCache(FakeKvPool pool, int maxLength) : ISequenceCache
{
    readonly List<int> _tokens = [];

    public IReadOnlyList<int> Tokens => _tokens;
    public int Length => _tokens.Count;
    public int MaxLength { get; } = maxLength;
    public int BlockCount { get; private set; }

    public bool TryReserve(int extra)
    {
        Assert.True(Length + extra <= MaxLength, $"reserving past the context: {Length} + {extra} > {MaxLength}");
        int missing = (Length + extra + pool.BlockTokens - 1) / pool.BlockTokens - BlockCount;
        if (missing <= 0) return true;
        if (!pool.TryTake(missing)) return false;
        BlockCount += missing;
        return true;
    }

    public void Clear() => Truncate(0);

    /// <summary>Keeps the first <paramref name="length"/> positions; whole blocks past them go back.</summary>
    public void Truncate(int length)
    {
        _tokens.RemoveRange(length, _tokens.Count - length);
        int keep = (length + pool.BlockTokens - 1) / pool.BlockTokens;
        pool.Give(BlockCount - keep);
        BlockCount = keep;
    }

    /// <summary>What the forward pass does to the cache: the tokens land in positions reserved beforehand.</summary>
    public void Feed(IEnumerable<int> tokens)
    {
        _tokens.AddRange(tokens);
        Assert.True(Length <= BlockCount * pool.BlockTokens, $"fed {Length} positions into {BlockCount} blocks");
    }

    public void MarkIdle() => pool.Park(this);
    public void MarkInUse() => pool.Unpark(this);

    public void Dispose()
    {
        Truncate(0);
        pool.Forget(this);
    }
}
