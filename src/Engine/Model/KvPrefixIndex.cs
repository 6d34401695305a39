namespace SmolLM3.Engine.Model;

/// <summary>
/// The full blocks of a <see cref="KvBlockPool"/> that are content-addressed (after vLLM's prefix caching): a map
/// from a block's <see cref="KvBlockHash"/> chain address to the block, reference counts of the caches reading it,
/// and the unreferenced ones in least-recently-released order, which is the order the pool takes them back in.
/// A hit is never trusted on its address alone: its token ids and its parent block must be the ones asked for.
/// Not thread-safe: its pool calls it under the pool's lock.
/// </summary>
sealed class KvPrefixIndex(UInt128 root, KvBlockHasher hash)
{
    /// <summary>One addressed block; <see cref="Parent"/> is the block before it (null for a sequence's first).</summary>
    sealed class Entry(UInt128 address, int block, int[] ids, Entry? parent)
    {
        public readonly UInt128 Address = address;
        public readonly int Block = block;
        public readonly int[] Ids = ids;
        public readonly Entry? Parent = parent;
        public int Refs;
        public LinkedListNode<Entry>? Unreferenced;
        public readonly List<Entry> Children = [];
    }

    readonly Dictionary<UInt128, Entry> _byAddress = [];
    readonly Dictionary<int, Entry> _byBlock = [];
    readonly LinkedList<Entry> _unreferenced = new();   // least recently released first
    readonly List<Entry> _firsts = [];                  // blocks that start a sequence (children of the root)

    /// <summary>Addressed blocks no cache reads: the pool's to take back, but found again until it does.</summary>
    public int CachedBlocks => _unreferenced.Count;

    /// <summary>Addressed blocks read by more than one cache.</summary>
    public int SharedBlocks { get; private set; }

    /// <summary>Prompt positions caches looked up beyond what they held, and how many of them were found (whole blocks or a block's start).</summary>
    public long QueriedTokens { get; private set; }
    public long HitTokens { get; private set; }

    /// <summary>Whether <paramref name="block"/> is addressed (so read-only: it may be shared).</summary>
    public bool Holds(int block) => _byBlock.ContainsKey(block);

    /// <summary>Caches reading <paramref name="block"/> (0 for one not addressed).</summary>
    public int RefsOf(int block) => _byBlock.TryGetValue(block, out var e) ? e.Refs : 0;

    /// <summary>
    /// The addressed blocks, in order, that continue a cache's first <paramref name="whole"/> blocks
    /// (<paramref name="blocks"/>, holding the start of <paramref name="tokens"/>) with the next whole blocks of
    /// <paramref name="tokens"/>; none unless the cache's last whole block is addressed itself. Takes no reference.
    /// </summary>
    public List<int> Find(IReadOnlyList<int> blocks, int whole, ReadOnlySpan<int> tokens, int blockTokens)
    {
        var found = new List<int>();
        int available = tokens.Length / blockTokens - whole;
        if (available <= 0) return found;
        Entry? parent = null;
        if (whole > 0 && !_byBlock.TryGetValue(blocks[whole - 1], out parent)) return found;
        for (int i = whole; i < whole + available; i++)
        {
            if (Lookup(parent, tokens.Slice(i * blockTokens, blockTokens)) is not { } e) break;
            found.Add(e.Block);
            parent = e;
        }
        return found;
    }

    /// <summary>
    /// The addressed block after <paramref name="parentBlock"/> (-1: a sequence's first block) whose tokens start with
    /// the longest run of <paramref name="next"/>, and the length of that run (0 and -1 when none starts it, or the
    /// parent is not addressed). Takes no reference.
    /// </summary>
    public (int Block, int Count) FindStart(int parentBlock, ReadOnlySpan<int> next)
    {
        List<Entry> children;
        if (parentBlock < 0) children = _firsts;
        else if (_byBlock.TryGetValue(parentBlock, out var parent)) children = parent.Children;
        else return (-1, 0);
        (int block, int count) = (-1, 0);
        foreach (var child in children)
        {
            int common = next.CommonPrefixLength(child.Ids);
            if (common > count) (block, count) = (child.Block, common);
        }
        return (block, count);
    }

    /// <summary>Takes a reference to each of <paramref name="found"/> (from <see cref="Find"/>, under the same lock).</summary>
    public void Acquire(List<int> found)
    {
        foreach (var block in found) Acquire(_byBlock[block]);
    }

    /// <summary>Takes a reference to one addressed block (so it is not taken back while it is copied).</summary>
    public void Acquire(int block) => Acquire(_byBlock[block]);

    /// <summary>Counts a lookup: <paramref name="queried"/> positions past what the cache held, <paramref name="hit"/> of them found.</summary>
    public void Count(int queried, int hit)
    {
        QueriedTokens += queried;
        HitTokens += hit;
    }

    /// <summary>
    /// Addresses a cache's full block <paramref name="block"/> holding <paramref name="ids"/> after its block
    /// <paramref name="parentBlock"/> (-1 for its first). Returns the block the cache should hold: its own, now
    /// addressed with one reference; an equal block already addressed, with a reference taken (the caller frees its
    /// own); or -1 when it stays unaddressed (its parent is not addressed, or another block has its address).
    /// </summary>
    public int Register(int parentBlock, ReadOnlySpan<int> ids, int block)
    {
        Entry? parent = null;
        if (parentBlock >= 0 && !_byBlock.TryGetValue(parentBlock, out parent)) return -1;
        var address = hash(parent?.Address ?? root, ids);
        if (_byAddress.TryGetValue(address, out var existing))
        {
            if (!Confirms(existing, parent, ids)) return -1;   // an address collision: the first block keeps it
            Acquire(existing);
            return existing.Block;
        }
        var entry = new Entry(address, block, ids.ToArray(), parent) { Refs = 1 };
        _byAddress[address] = entry;
        _byBlock[block] = entry;
        (parent?.Children ?? _firsts).Add(entry);
        return block;
    }

    /// <summary>Drops a cache's reference to <paramref name="block"/>; false when it is not addressed (the cache owned it alone).</summary>
    public bool Release(int block)
    {
        if (!_byBlock.TryGetValue(block, out var e)) return false;
        if (--e.Refs == 1) SharedBlocks--;
        if (e.Refs == 0) e.Unreferenced = _unreferenced.AddLast(e);
        return true;
    }

    /// <summary>
    /// Forgets the least recently released unreferenced block and returns it for reuse, with what addressed it (for
    /// the spill store); false when there is none.
    /// </summary>
    public bool TryReclaim(out int block, out KvBlockAddress forgotten)
    {
        (block, forgotten) = (-1, default);
        if (_unreferenced.First is not { Value: var e }) return false;
        _unreferenced.RemoveFirst();
        _byAddress.Remove(e.Address);
        _byBlock.Remove(e.Block);
        (e.Parent?.Children ?? _firsts).Remove(e);
        block = e.Block;
        forgotten = Describe(e);
        return true;
    }

    /// <summary>The address root every sequence's first block chains from.</summary>
    public UInt128 Root => root;

    /// <summary>The address of a block holding <paramref name="ids"/> after the block addressed <paramref name="parent"/>.</summary>
    public UInt128 Hash(UInt128 parent, ReadOnlySpan<int> ids) => hash(parent, ids);

    /// <summary>What addresses <paramref name="block"/>; null when it is not addressed.</summary>
    public KvBlockAddress? AddressOf(int block) => _byBlock.TryGetValue(block, out var e) ? Describe(e) : null;

    /// <summary>The block addressed <paramref name="address"/> if it holds <paramref name="ids"/> after <paramref name="parent"/>; -1 otherwise.</summary>
    public int BlockOf(UInt128 address, UInt128 parent, ReadOnlySpan<int> ids) =>
        _byAddress.TryGetValue(address, out var e) && (e.Parent?.Address ?? root) == parent && ids.SequenceEqual(e.Ids) ? e.Block : -1;

    /// <summary>The block addressed <paramref name="address"/>; -1 when none is.</summary>
    public int BlockOf(UInt128 address) => _byAddress.TryGetValue(address, out var e) ? e.Block : -1;

    /// <summary>Every addressed block, parents before children.</summary>
    public IEnumerable<(int Block, KvBlockAddress Address)> All() =>
        _byBlock.Values.OrderBy(Depth).Select(e => (e.Block, Describe(e)));

    static int Depth(Entry e)
    {
        int depth = 0;
        for (var p = e.Parent; p is not null; p = p.Parent) depth++;
        return depth;
    }

    KvBlockAddress Describe(Entry e) => new(e.Address, e.Parent?.Address ?? root, e.Ids);

    public void Clear()
    {
        _byAddress.Clear();
        _byBlock.Clear();
        _unreferenced.Clear();
        _firsts.Clear();
        SharedBlocks = 0;
    }

    Entry? Lookup(Entry? parent, ReadOnlySpan<int> ids) =>
        _byAddress.TryGetValue(hash(parent?.Address ?? root, ids), out var e) && Confirms(e, parent, ids) ? e : null;

    /// <summary>The same tokens after the same block: what the address claims, checked.</summary>
    static bool Confirms(Entry e, Entry? parent, ReadOnlySpan<int> ids) => ReferenceEquals(e.Parent, parent) && ids.SequenceEqual(e.Ids);

    void Acquire(Entry e)
    {
        if (e.Unreferenced is { } node)
        {
            _unreferenced.Remove(node);
            e.Unreferenced = null;
        }
        if (++e.Refs == 2) SharedBlocks++;
    }
}
