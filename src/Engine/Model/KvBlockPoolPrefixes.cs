using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Prefix sharing: a cache's full blocks are addressed by content as it fills them (<see cref="Offer"/>), and a new
/// sequence takes the longest chain of addressed blocks that starts its tokens instead of computing it, and a copy of
/// the positions its next tokens share with the start of an addressed block (<see cref="Attach"/>). Shared blocks are
/// full and lie before every reader's length, so no write ever reaches them; a reader that truncates into one gives it
/// up (<see cref="KvCache.Truncate"/>). When the last reader lets
/// go, a block stays addressed until the pool needs it: taking blocks uses the free list, then blocks never used,
/// then these, least recently released first — all before any idle conversation is evicted.
/// </summary>
public sealed partial class KvBlockPool
{
    KvPrefixIndex? _prefixes;

    /// <summary>Whether full blocks are content-addressed and shared (<see cref="SharePrefixes"/>).</summary>
    public bool SharesPrefixes => _prefixes is not null;

    /// <summary>
    /// From now on full blocks are content-addressed, under <paramref name="model"/> (what besides the tokens the keys
    /// and values depend on: the weights and their compute type) and the pool's KV type and block size. Call it
    /// before any cache takes blocks.
    /// </summary>
    public void SharePrefixes(string model) => SharePrefixes(model, KvBlockHash.Chain);

    /// <summary>As <see cref="SharePrefixes(string)"/>, with another address function (tests force collisions with it).</summary>
    internal void SharePrefixes(string model, KvBlockHasher hash)
    {
        lock (_lock)
        {
            if (_prefixes is not null || _fresh > 0) throw new InvalidOperationException("prefix sharing is turned on once, before any cache takes blocks");
            _prefixes = new KvPrefixIndex(KvBlockHash.Root(model, Format, BlockTokens), hash);
        }
    }

    /// <summary>Whether <paramref name="block"/> is content-addressed: read-only, as other caches may read it.</summary>
    internal bool IsAddressed(int block)
    {
        lock (_lock) return _prefixes?.Holds(block) == true;
    }

    /// <summary>
    /// Addresses a cache's full blocks from <paramref name="from"/> to <paramref name="to"/> (exclusive), whose tokens
    /// start <paramref name="ids"/>. A block whose content is already addressed is given back and the cache reads the
    /// addressed one instead (one copy of each prefix); one that cannot be addressed ends the chain for this cache.
    /// </summary>
    internal void Offer(List<int> blocks, List<int> ids, int from, int to)
    {
        lock (_lock)
        {
            if (_prefixes is null) return;
            var tokens = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids);
            for (int i = from; i < to; i++)
            {
                int held = _prefixes.Register(i == 0 ? -1 : blocks[i - 1], tokens.Slice(i * BlockTokens, BlockTokens), blocks[i]);
                if (held < 0) return;
                if (held == blocks[i]) continue;
                _free.Add(blocks[i]);
                blocks[i] = held;
            }
        }
    }

    /// <summary>
    /// Extends a cache holding the first <paramref name="length"/> of <paramref name="tokens"/> in
    /// <paramref name="blocks"/> with the addressed blocks that hold its next whole blocks, taking a reference to each,
    /// then with a copy of the start of an addressed block that began the same way (a block is shared whole or not
    /// at all: the cache writes after the copied positions in a block of its own). A partial last block is given back
    /// when that gains positions. Returns the positions the cache now holds.
    /// </summary>
    internal int Attach(List<int> blocks, ReadOnlySpan<int> tokens, int length)
    {
        lock (_lock)
        {
            if (_prefixes is null) return length;
            int whole = length / BlockTokens;
            var found = _prefixes.Find(blocks, whole, tokens, BlockTokens);
            // past the blocks in memory, the ones spilled to disk (their parent: the last found, or the cache's own)
            int last = found.Count > 0 ? found[^1] : whole > 0 ? blocks[whole - 1] : -1;
            var spilled = SpilledAfterLocked(last, whole + found.Count, tokens);
            int chain = (whole + found.Count + spilled.Count) * BlockTokens;
            var (source, start) = spilled.Count == 0 ? _prefixes.FindStart(last, tokens[chain..]) : (-1, 0);
            int queried = Math.Max(0, tokens.Length - length);
            if (chain + start <= length)
            {
                _prefixes.Count(queried, 0);
                return length;
            }
            long restored = _restoredTokens;
            GiveLocked(blocks, whole);
            _prefixes.Acquire(found);
            blocks.AddRange(found);
            RestoreLocked(blocks, spilled);
            int held = blocks.Count * BlockTokens;
            if (source >= 0 && held == chain && CopyStartLocked(blocks, source, start)) held += start;   // every spilled block read back
            _prefixes.Count(queried, Math.Max(0, held - length - (int)(_restoredTokens - restored)));
            return held;
        }
    }

    /// <summary>
    /// Appends a block of the cache's own holding the first <paramref name="count"/> positions of addressed block
    /// <paramref name="source"/>; false when the pool has no block to spare.
    /// </summary>
    bool CopyStartLocked(List<int> blocks, int source, int count)
    {
        _prefixes!.Acquire(source);   // not taken back to be the copy's own block
        var taken = new List<int>(1);
        bool copied = TakeLocked(1, taken);
        if (copied)
        {
            using var scope = NewDisposeScope();
            for (int layer = 0; layer < _layers; layer++)
            {
                var (fromKeys, fromValues) = Slot(layer, source, 0, count);
                var (toKeys, toValues) = Slot(layer, taken[0], 0, count);
                toKeys.copy_(fromKeys);
                toValues.copy_(fromValues);
            }
            blocks.Add(taken[0]);
        }
        _prefixes.Release(source);
        return copied;
    }

    /// <summary>Blocks that evicting every idle cache would free: an addressed block counts when only idle caches read it.</summary>
    int IdleBlocksLocked()
    {
        if (_prefixes is null) return _idle.Sum(c => c.BlockCount);
        int owned = 0;
        var idleReads = new Dictionary<int, int>();
        foreach (var cache in _idle)
            foreach (int block in cache.Blocks)
            {
                if (_prefixes.Holds(block)) idleReads[block] = idleReads.GetValueOrDefault(block) + 1;
                else owned++;
            }
        return owned + idleReads.Count(r => r.Value == _prefixes.RefsOf(r.Key));
    }
}
