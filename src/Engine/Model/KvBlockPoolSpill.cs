using SmolLM3.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// The spill tier of a pool that shares prefixes: an addressed block the pool takes back for reuse is written to a
/// <see cref="KvSpillStore"/> first, and <see cref="Attach"/> continues a sequence past the blocks in memory with the
/// ones found there, read back into free blocks. A block's bytes are its keys then values, layer by layer, each
/// (kv_heads, block tokens, row) in the pool's storage format.
/// </summary>
public sealed partial class KvBlockPool
{
    KvSpillStore? _spill;
    long _restoredTokens;

    /// <summary>The spill tier, once <see cref="SpillTo"/> set it.</summary>
    public KvSpillStore? Spill => _spill;

    /// <summary>Positions read back from the spill tier instead of being computed, since start.</summary>
    public long RestoredTokens
    {
        get { lock (_lock) return _restoredTokens; }
    }

    /// <summary>The address root of this pool's blocks (model, KV type, block size): what a spill store for it is opened with.</summary>
    public UInt128 AddressRoot
    {
        get { lock (_lock) return _prefixes?.Root ?? throw new InvalidOperationException("the pool does not share prefixes, so its blocks have no addresses"); }
    }

    /// <summary>From now on addressed blocks the pool takes back go to <paramref name="store"/>, and are found there again.</summary>
    public void SpillTo(KvSpillStore store)
    {
        lock (_lock)
        {
            if (_prefixes is null) throw new InvalidOperationException("spilling needs prefix sharing: blocks are found again by their content address");
            if (store.Root != _prefixes.Root) throw new ArgumentException("the spill store was opened for another model, KV type or block size", nameof(store));
            _spill = store;
        }
    }

    /// <summary>Writes every addressed block to the spill tier (a silo stopping keeps its conversations' KV for the next start).</summary>
    public void SpillAll()
    {
        lock (_lock)
        {
            if (_spill is null || _prefixes is null) return;
            foreach (var (block, address) in _prefixes.All()) SpillLocked(block, address);
        }
    }

    /// <summary>Bytes of one block's keys and values over all layers, as the spill tier holds them.</summary>
    long SpillPayloadBytes => 2L * _layers * _kvHeads * BlockTokens * _rowBytes;

    void SpillLocked(int block, KvBlockAddress address)
    {
        if (_spill is null || _spill.Fault is not null || _spill.Contains(address.Address)) return;
        _spill.Write(address.Address, address.Parent, address.Ids, Export(block));
    }

    /// <summary>
    /// The addresses, in order, of the spilled blocks that would hold whole blocks <paramref name="next"/>, next + 1, …
    /// of <paramref name="tokens"/> after block <paramref name="last"/> (-1 for none: they start the sequence).
    /// </summary>
    List<KvBlockAddress> SpilledAfterLocked(int last, int next, ReadOnlySpan<int> tokens)
    {
        var found = new List<KvBlockAddress>();
        if (_spill is null || _prefixes is null) return found;
        UInt128 parent;
        if (last < 0) parent = _prefixes.Root;
        else if (_prefixes.AddressOf(last) is { } address) parent = address.Address;
        else return found;
        for (int i = next; i < tokens.Length / BlockTokens; i++)
        {
            var ids = tokens.Slice(i * BlockTokens, BlockTokens);
            var address = _prefixes.Hash(parent, ids);
            if (!_spill.Contains(address)) break;
            found.Add(new KvBlockAddress(address, parent, ids.ToArray()));
            parent = address;
        }
        return found;
    }

    /// <summary>
    /// Reads spilled blocks into free blocks (evicting idle caches when there are none) appended to
    /// <paramref name="blocks"/> and addresses them, until one is not usable or no block can be had.
    /// </summary>
    void RestoreLocked(List<int> blocks, List<KvBlockAddress> spilled)
    {
        var taken = new List<int>(1);
        foreach (var s in spilled)
        {
            taken.Clear();
            // reading a block back beats computing it, so idle caches make room for it as they would for the computation
            while (!TakeLocked(1, taken))
                if (!EvictIdleLocked()) return;
            int block = taken[0];
            if (!_spill!.TryRead(s.Address, s.Parent, s.Ids, SpillPayloadBytes, payload => Import(block, payload)))
            {
                _free.Add(block);
                return;
            }
            int held = _prefixes!.Register(blocks.Count == 0 ? -1 : blocks[^1], s.Ids, block);
            if (held != block) _free.Add(block);
            if (held < 0) return;
            blocks.Add(held);
            _restoredTokens += BlockTokens;
        }
    }

    /// <summary>One block's keys and values, every layer, in the layout the spill tier stores.</summary>
    unsafe byte[] Export(int block)
    {
        var data = new byte[SpillPayloadBytes];
        long at = 0;
        using var scope = NewDisposeScope();
        for (int layer = 0; layer < _layers; layer++)
        {
            var (k, v) = Slot(layer, block, 0, BlockTokens);
            foreach (var part in new[] { k, v })
            {
                var host = part.contiguous().cpu();
                int n = _kvHeads * BlockTokens * _rowBytes;
                new ReadOnlySpan<byte>(TensorPointers.Bytes(host), n).CopyTo(data.AsSpan((int)at, n));
                at += n;
            }
        }
        return data;
    }

    /// <summary>Writes <paramref name="payload"/> (as <see cref="Export"/> lays it out) into block <paramref name="block"/>.</summary>
    unsafe void Import(int block, ReadOnlySpan<byte> payload)
    {
        int n = _kvHeads * BlockTokens * _rowBytes;
        using var scope = NewDisposeScope();
        var host = empty([_kvHeads, BlockTokens, _rowBytes / Format.StorageType.ElementSize()], Format.StorageType);
        long at = 0;
        for (int layer = 0; layer < _layers; layer++)
        {
            var (k, v) = Slot(layer, block, 0, BlockTokens);
            foreach (var part in new[] { k, v })
            {
                payload.Slice((int)at, n).CopyTo(new Span<byte>(TensorPointers.Bytes(host), n));
                part.copy_(host);
                at += n;
            }
        }
    }
}
