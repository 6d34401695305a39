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
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly KvBlockPool _pool;
    readonly bool _ownsPool;
    readonly List<int> _blocks = [];   // block i holds positions [i·B, (i+1)·B)

    internal LinkedListNode<KvCache>? IdleNode;   // guarded by the pool's lock

    public int Length { get; private set; }
    public int MaxLength { get; }

    /// <summary>Positions the blocks held now can take without asking the pool.</summary>
    public int Capacity => _blocks.Count * _pool.BlockTokens;
    public int BlockCount => _blocks.Count;
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
    /// at position <see cref="Length"/> of one layer (room reserved by <see cref="EnsureRoom"/>; pools read in place).
    /// </summary>
    internal void AppendPosition(int layer, ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values) =>
        _pool.Write(layer, _blocks[Length / _pool.BlockTokens], Length % _pool.BlockTokens, keys, values);

    /// <summary>The first <paramref name="length"/> positions of one layer, each (kv_heads, length, D) (Q8_0 dequantized to F32).</summary>
    internal (Tensor Keys, Tensor Values) Gather(int layer, int length) => _pool.Gather(layer, _blocks, length);

    /// <summary>Per block covering the first <paramref name="length"/> positions: pointers to its head-0 key and value rows in one layer (pools read in place).</summary>
    internal void Pointers(int layer, int length, Span<nint> keys, Span<nint> values) =>
        _pool.Pointers(layer, _blocks, _pool.BlocksFor(length), keys, values);

    internal void Advance(int tokens) => Length += tokens;

    /// <summary>Forgets everything after the first <paramref name="length"/> positions (e.g. to rewind a turn); whole blocks past it go back to the pool.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
        _pool.Give(_blocks, _pool.BlocksFor(length));
    }

    /// <summary>Not in use until <see cref="MarkInUse"/>: the pool may empty it (least recently used first) when it runs out of blocks.</summary>
    public void MarkIdle() => _pool.Park(this);

    /// <summary>Protects the cache from eviction; its <see cref="Length"/> says what survived while it was idle.</summary>
    public void MarkInUse() => _pool.Unpark(this);

    /// <summary>Called by the pool under its lock: drops every position and hands the block list over to be freed.</summary>
    internal List<int> Evict()
    {
        Length = 0;
        return _blocks;
    }

    public void Dispose()
    {
        _pool.Unpark(this);
        Length = 0;
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
