using System.Runtime.InteropServices;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Keys and values of one sequence, owned by the caller and passed to the model's forward pass, so one
/// model serves many sequences. Positions live in blocks of a <see cref="KvBlockPool"/> (the block table
/// is a list of block ids); a cache made on its own has a private pool that grows up to the context.
/// A cache of a shared pool may be marked idle between uses, and may then be emptied to make room for
/// others (its <see cref="Length"/> drops to 0); mark it in use before reading its length to continue it.
/// It remembers the token ids it was fed, so a pool that shares prefixes can address its full blocks, and it can
/// start from blocks other caches left in the pool (<see cref="AttachPrefix"/>).
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly KvBlockPool _pool;
    readonly bool _ownsPool;
    readonly List<int> _blocks = [];   // block i holds positions [i·B, (i+1)·B)
    readonly List<int> _ids = [];      // token ids of the first positions; all of them unless fed by count alone
    int _offered;                      // full blocks already offered to the pool's prefix index

    internal LinkedListNode<KvCache>? IdleNode;   // guarded by the pool's lock

    public int Length { get; private set; }
    public int MaxLength { get; }

    /// <summary>Positions the blocks held now can take without asking the pool.</summary>
    public int Capacity => _blocks.Count * _pool.BlockTokens;
    public int BlockCount => _blocks.Count;
    internal IReadOnlyList<int> Blocks => _blocks;
    public KvBlockPool Pool => _pool;

    /// <summary>A standalone cache with a private pool (as <see cref="CausalLM.NewCache"/> makes).</summary>
    public KvCache(ModelConfig config, KvFormat format, Device device, int? maxLength = null)
        : this(KvBlockPool.Private(config, format, device, maxLength ?? config.ContextLength), maxLength ?? config.ContextLength, ownsPool: true) { }

    internal KvCache(KvBlockPool pool, int maxLength, bool ownsPool)
    {
        (_pool, MaxLength, _ownsPool) = (pool, maxLength, ownsPool);
    }

    /// <summary>
    /// Takes the blocks for <paramref name="extra"/> more positions; false, holding nothing more, when the pool
    /// has too few free. Throws <see cref="ContextOverflowException"/> past <see cref="MaxLength"/>.
    /// </summary>
    public bool TryReserve(int extra)
    {
        RequireRoom(extra);
        int needed = Length + extra;
        int missing = _pool.BlocksFor(needed) - _blocks.Count;
        return missing <= 0 || _pool.TryTake(missing, _blocks);
    }

    /// <summary>Throws <see cref="ContextOverflowException"/> unless <paramref name="extra"/> more positions fit <see cref="MaxLength"/>.</summary>
    public void RequireRoom(int extra)
    {
        if (Length + extra > MaxLength) throw new ContextOverflowException(Length + extra, MaxLength);
    }

    internal void EnsureRoom(int extra)
    {
        if (!TryReserve(extra))
            throw new KvPoolExhaustedException(_pool.BlocksFor(Length + extra) - _blocks.Count, _pool.Stats);
    }

    /// <summary>Writes (L, kv_heads, D) keys and values at positions Length.. of one layer (room reserved by <see cref="EnsureRoom"/>).</summary>
    internal void Append(int layer, Tensor k, Tensor v)
    {
        int b = _pool.BlockTokens;
        for (int done = 0, n = (int)k.shape[0]; done < n;)
        {
            int pos = Length + done, offset = pos % b, take = Math.Min(n - done, b - offset);
            _pool.Put(layer, _blocks[pos / b], offset, k.narrow(0, done, take), v.narrow(0, done, take));
            done += take;
        }
    }

    /// <summary>
    /// Writes one position's keys and values, each (kv_heads, D) as raw bytes of the pool format's <see cref="KvFormat.WriteType"/>,
    /// at position <see cref="Length"/> + <paramref name="ahead"/> of one layer (room reserved by <see cref="EnsureRoom"/>; pools
    /// read in place).
    /// </summary>
    internal void AppendPosition(int layer, int ahead, ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values)
    {
        int position = Length + ahead;
        _pool.Write(layer, _blocks[position / _pool.BlockTokens], position % _pool.BlockTokens, keys, values);
    }

    /// <summary>The first <paramref name="length"/> positions of one layer, each (kv_heads, length, D) (Q8_0 dequantized to F32).</summary>
    internal (Tensor Keys, Tensor Values) Gather(int layer, int length) => _pool.Gather(layer, _blocks, length);

    /// <summary>Per block covering the first <paramref name="length"/> positions: pointers to its head-0 key and value rows in one layer (pools read in place).</summary>
    internal void Pointers(int layer, int length, Span<nint> keys, Span<nint> values) =>
        _pool.Pointers(layer, _blocks, _pool.BlocksFor(length), keys, values);

    /// <summary>Counts <paramref name="tokens"/> positions whose token ids are not known: from then on no block of this cache is content-addressed.</summary>
    internal void Advance(int tokens) => Length += tokens;

    /// <summary>Counts the positions just written for <paramref name="ids"/> and offers the blocks they filled to the pool's prefix index.</summary>
    internal void Advance(ReadOnlySpan<int> ids)
    {
        bool known = _ids.Count == Length;
        Length += ids.Length;
        if (!known) return;
        _ids.AddRange(ids);
        int full = Length / _pool.BlockTokens;
        if (full <= _offered) return;
        _pool.Offer(_blocks, _ids, _offered, full);
        _offered = full;
    }

    /// <summary>
    /// Takes the blocks other sequences left in the pool for the whole blocks of <paramref name="tokens"/> after the
    /// ones it holds, read-only and shared, and a copy of the positions its next tokens share with the start of another
    /// such block, instead of computing them; returns <see cref="Length"/>. The cache must hold the start of
    /// <paramref name="tokens"/>. Nothing is taken unless the pool shares prefixes and the cache knows its tokens' ids;
    /// a partial last block is given up when what replaces it holds more.
    /// </summary>
    public int AttachPrefix(ReadOnlySpan<int> tokens)
    {
        if (_ids.Count != Length) return Length;
        if (tokens.Length < Length || !tokens[..Length].SequenceEqual(CollectionsMarshal.AsSpan(_ids)))
            throw new ArgumentException($"the tokens do not start with the {Length} the cache holds", nameof(tokens));
        tokens = tokens[..Math.Min(tokens.Length, MaxLength)];
        int length = _pool.Attach(_blocks, tokens, Length);
        if (length == Length) return Length;
        _ids.Clear();
        _ids.AddRange(tokens[..length]);
        Length = length;
        _offered = length / _pool.BlockTokens;
        return Length;
    }

    /// <summary>
    /// Forgets everything after the first <paramref name="length"/> positions (e.g. to rewind a turn); whole blocks past it
    /// go back to the pool. A content-addressed block is never written again (others may read it): a cut inside one
    /// gives it up too, so read <see cref="Length"/> afterwards (it is then a multiple of the block size).
    /// </summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int b = _pool.BlockTokens;
        if (length % b != 0 && _pool.IsAddressed(_blocks[length / b])) length -= length % b;
        Length = length;
        Forget(length);
        _pool.Give(_blocks, _pool.BlocksFor(length));
    }

    /// <summary>Drops the token ids past <paramref name="length"/>.</summary>
    void Forget(int length)
    {
        if (_ids.Count > length) _ids.RemoveRange(length, _ids.Count - length);
        _offered = Math.Min(_offered, length / _pool.BlockTokens);
    }

    /// <summary>Not in use until <see cref="MarkInUse"/>: the pool may empty it (least recently used first) when it runs out of blocks.</summary>
    public void MarkIdle() => _pool.Park(this);

    /// <summary>Protects the cache from eviction; its <see cref="Length"/> says what survived while it was idle.</summary>
    public void MarkInUse() => _pool.Unpark(this);

    /// <summary>Called by the pool under its lock: drops every position and hands the block list over to be freed.</summary>
    internal List<int> Evict()
    {
        Length = 0;
        Forget(0);
        return _blocks;
    }

    public void Dispose()
    {
        _pool.Unpark(this);
        Length = 0;
        Forget(0);
        _pool.Give(_blocks, 0);
        if (_ownsPool) _pool.Dispose();
    }
}

/// <summary>A sequence would grow past the model's context length.</summary>
public sealed class ContextOverflowException(int needed, int limit)
    : Exception($"the sequence needs {needed} positions but the context holds {limit}")
{
    public int Needed { get; } = needed;
    public int Limit { get; } = limit;
}
