using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Keys and values of many sequences in fixed-size blocks of <see cref="BlockTokens"/> positions, up to
/// <see cref="TotalBlocks"/> (the memory budget). Each <see cref="KvCache"/> holds a list of block ids.
/// Caches their owners mark idle give their blocks up, least recently used first, when
/// <see cref="EvictIdle"/> is asked for room; their owners then recompute them from the transcript.
/// With <see cref="SharePrefixes"/>, full blocks are also content-addressed and shared read-only between caches.
/// Thread-safe: a scheduler allocates while conversation owners truncate, dispose and park their caches.
/// </summary>
public sealed partial class KvBlockPool : IDisposable
{
    /// <summary>Positions per block unless a caller says otherwise (the silo's <c>KvBlockTokens</c> default too).</summary>
    public const int DefaultBlockTokens = 16;

    // Storage comes in segments, each per layer (kv_heads, SegmentBlocks·BlockTokens, row) for keys and for values,
    // a row being head_dim elements or a Q8_0 row's bytes: block i of a segment is positions [i·B, (i+1)·B) of every
    // head. Consecutive blocks of one segment are then one narrow() view (a cache that got adjacent blocks attends with no copy).
    // Segments are made on first need. Only this type computes where a position's rows are.
    readonly List<(Tensor[] Keys, Tensor[] Values)> _segments = [];
    readonly List<(nint[] Keys, nint[] Values)> _bases = [];   // per segment and layer, on the CPU: data pointers read once
    readonly SortedSet<int> _free = [];   // blocks given back; lowest id first, so a cache's blocks tend to be adjacent
    readonly LinkedList<KvCache> _idle = new();   // least recently parked first
    readonly Lock _lock = new();
    readonly int _layers, _kvHeads, _headDim, _rowBytes;
    int _made;       // blocks in the segments made so far
    int _fresh;      // blocks from here to _made were never handed out (kept out of _free: a large budget has millions)
    long _evictions;

    public ModelConfig Config { get; }
    public KvFormat Format { get; }
    public Device Device { get; }
    public int BlockTokens { get; }
    public int TotalBlocks { get; }
    public int SegmentBlocks { get; }

    /// <summary>Whether the CPU kernels read and write the blocks in place (a CPU pool of F32, BF16 or Q8_0).</summary>
    internal bool InPlace { get; }

    /// <summary>Bytes of keys and values per cached position over all layers.</summary>
    public long BytesPerToken { get; }
    public long BlockBytes => BytesPerToken * BlockTokens;
    public int TotalTokens => TotalBlocks * BlockTokens;
    public long TotalBytes => BlockBytes * TotalBlocks;

    /// <param name="segmentBlocks">Blocks made at once when the free list runs dry (default: all of them).</param>
    /// <exception cref="ArgumentException"><paramref name="format"/> cannot hold this shape's rows on <paramref name="device"/>.</exception>
    public KvBlockPool(ModelConfig config, KvFormat format, Device device, int blockTokens, int totalBlocks, int? segmentBlocks = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBlocks, 1);
        format.Require(config, device);
        (Config, Format, Device, BlockTokens, TotalBlocks) = (config, format, device, blockTokens, totalBlocks);
        SegmentBlocks = Math.Clamp(segmentBlocks ?? totalBlocks, 1, totalBlocks);
        (_layers, _kvHeads, _headDim) = (config.NumLayers, config.NumKvHeads, config.HeadDim);
        _rowBytes = format.RowBytes(_headDim);
        InPlace = device.type == DeviceType.CPU && format != KvFormat.F16;
        BytesPerToken = config.KvBytesPerToken(format);
    }

    /// <summary>Bytes of keys and values for <paramref name="tokens"/> positions.</summary>
    public static long BytesFor(ModelConfig config, KvFormat format, int tokens) => config.KvBytesPerToken(format) * tokens;

    /// <summary>A pool of as many blocks as <paramref name="bytes"/> holds (at least one).</summary>
    public static KvBlockPool ForBudget(ModelConfig config, KvFormat format, Device device, long bytes, int blockTokens = DefaultBlockTokens)
    {
        long blockBytes = BytesFor(config, format, blockTokens);
        long blocks = bytes / blockBytes;
        if (blocks < 1)
            throw new ArgumentOutOfRangeException(nameof(bytes), $"a KV budget of {bytes} bytes is less than one block ({blockBytes} bytes of {blockTokens} tokens)");
        return new KvBlockPool(config, format, device, blockTokens, (int)Math.Min(blocks, int.MaxValue / blockTokens));
    }

    /// <summary>
    /// A pool for one standalone sequence: 256-position blocks made one at a time up to the context,
    /// so a short sequence holds little memory (and never evicting anything).
    /// </summary>
    internal static KvBlockPool Private(ModelConfig config, KvFormat format, Device device, int maxLength)
    {
        int block = Math.Max(1, Math.Min(256, maxLength));
        return new KvBlockPool(config, format, device, block, (maxLength + block - 1) / block, segmentBlocks: 1);
    }

    /// <summary>A new, empty cache drawing on this pool; at most <paramref name="maxLength"/> positions (default: the context).</summary>
    public KvCache NewCache(int? maxLength = null) => new(this, maxLength ?? Config.ContextLength, ownsPool: false);

    public KvPoolStats Stats
    {
        get
        {
            lock (_lock)
                return new KvPoolStats(BlockTokens, TotalBlocks, FreeBlocksLocked, IdleBlocksLocked(), _evictions,
                    _prefixes?.CachedBlocks ?? 0, _prefixes?.SharedBlocks ?? 0, _prefixes?.QueriedTokens ?? 0, (_prefixes?.HitTokens ?? 0) + _restoredTokens,
                    _restoredTokens, _spill?.Stats);
        }
    }

    // Unreferenced addressed blocks count as free: a cache taking blocks gets them once the free list is empty.
    int FreeBlocksLocked => _free.Count + TotalBlocks - _fresh + (_prefixes?.CachedBlocks ?? 0);

    /// <summary>Blocks to hold <paramref name="tokens"/> positions.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockTokens - 1) / BlockTokens;

    /// <summary>Appends <paramref name="count"/> free blocks to <paramref name="into"/>, or takes none and returns false.</summary>
    internal bool TryTake(int count, List<int> into)
    {
        lock (_lock) return TakeLocked(count, into);
    }

    bool TakeLocked(int count, List<int> into)
    {
        if (count > FreeBlocksLocked) return false;
        for (int i = 0; i < count; i++)
        {
            if (_free.Count > 0)
            {
                int id = _free.Min;
                _free.Remove(id);
                into.Add(id);
                continue;
            }
            if (_fresh < TotalBlocks)
            {
                if (_fresh == _made) MakeSegment();
                into.Add(_fresh++);
                continue;
            }
            _prefixes!.TryReclaim(out int cached, out var forgotten);
            SpillLocked(cached, forgotten);   // before it is overwritten
            into.Add(cached);
        }
        return true;
    }

    unsafe void MakeSegment()
    {
        int blocks = Math.Min(SegmentBlocks, TotalBlocks - _made);
        // empty, not zeros: positions are read only after they are written, and untouched pages of a large
        // CPU budget then cost no resident memory until used.
        Tensor[] Make() => Enumerable.Range(0, _layers)
            .Select(_ => empty([_kvHeads, (long)blocks * BlockTokens, _rowBytes / Format.StorageType.ElementSize()], Format.StorageType, Device).DetachFromDisposeScope()).ToArray();
        var (keys, values) = (Make(), Make());
        if (Device.type == DeviceType.CPU)
            foreach (var t in keys.Concat(values)) HugePageAdvice.Refuse(TensorPointers.Bytes(t), t.NumberOfElements * t.ElementSize);
        _segments.Add((keys, values));
        if (InPlace)
            _bases.Add((keys.Select(Base).ToArray(), values.Select(Base).ToArray()));
        _made += blocks;
    }

    /// <summary>Returns <paramref name="blocks"/> from index <paramref name="from"/> on to the free list and removes them.</summary>
    internal void Give(List<int> blocks, int from)
    {
        if (from >= blocks.Count) return;
        lock (_lock) GiveLocked(blocks, from);
    }

    void GiveLocked(List<int> blocks, int from)
    {
        // last block first: a sequence's later blocks become the least recently released and are reclaimed before its start
        for (int i = blocks.Count - 1; i >= from; i--)
            if (_prefixes?.Release(blocks[i]) != true) _free.Add(blocks[i]);
        blocks.RemoveRange(from, blocks.Count - from);
    }

    /// <summary>
    /// Positions [<paramref name="start"/>, start + <paramref name="count"/>) of block <paramref name="block"/>
    /// in one layer: keys and values, each (kv_heads, count, row) in the storage type.
    /// </summary>
    (Tensor Keys, Tensor Values) Slot(int layer, int block, int start, int count)
    {
        var (seg, first) = Locate(block);
        var (k, v) = _segments[seg];
        return (k[layer].narrow(1, first + start, count), v[layer].narrow(1, first + start, count));
    }

    /// <summary>
    /// Writes (count, kv_heads, D) keys and values of any floating type at positions [<paramref name="start"/>, start + count)
    /// of block <paramref name="block"/> in one layer, converted to the pool's format (Q8_0 pools quantize them).
    /// </summary>
    internal void Put(int layer, int block, int start, Tensor keys, Tensor values)
    {
        if (!Format.IsQuantized)
        {
            var (k, v) = Slot(layer, block, start, (int)keys.shape[0]);
            k.copy_(keys.transpose(0, 1));
            v.copy_(values.transpose(0, 1));
            return;
        }
        var (seg, first) = Locate(block);
        var (kb, vb) = _bases[seg];
        Quantize(keys, kb[layer], first + start);
        Quantize(values, vb[layer], first + start);
    }

    /// <summary>(count, kv_heads, D) values into rows [<paramref name="row"/>, row + count) of every head of one layer's storage.</summary>
    unsafe void Quantize(Tensor x, nint storage, int row)
    {
        var src = x.to(ScalarType.Float32).transpose(0, 1).contiguous();   // (kv_heads, count, D)
        int count = (int)src.shape[1];
        float* p = TensorPointers.Float(src);
        for (int h = 0; h < _kvHeads; h++)
            for (int t = 0; t < count; t++)
                Q8_0Rows.Quantize(p + ((long)h * count + t) * _headDim, RowAt(storage, h, row + t), _headDim);
    }

    /// <summary>
    /// The first <paramref name="length"/> positions of a block list in one layer, each (kv_heads, length, D): a view when
    /// the blocks are adjacent; for Q8_0, dequantized to F32.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Gather(int layer, List<int> blocks, int length)
    {
        if (Format.IsQuantized) return (Dequantize(layer, blocks, length, keys: true), Dequantize(layer, blocks, length, keys: false));
        var keys = new List<Tensor>();
        var values = new List<Tensor>();
        for (int i = 0; i < blocks.Count && i * BlockTokens < length;)
        {
            // a run of blocks adjacent within one segment is one view
            int run = 1;
            while (i + run < blocks.Count && (i + run) * BlockTokens < length && blocks[i + run] == blocks[i] + run
                   && blocks[i] / SegmentBlocks == blocks[i + run] / SegmentBlocks) run++;
            var (k, v) = Slot(layer, blocks[i], 0, Math.Min(run * BlockTokens, length - i * BlockTokens));
            keys.Add(k);
            values.Add(v);
            i += run;
        }
        return keys.Count == 1 ? (keys[0], values[0]) : (cat(keys, 1), cat(values, 1));
    }

    /// <summary>The first <paramref name="length"/> positions' keys or values of one layer of a Q8_0 pool, (kv_heads, length, D) in F32.</summary>
    unsafe Tensor Dequantize(int layer, List<int> blocks, int length, bool keys)
    {
        var output = empty([_kvHeads, length, _headDim], ScalarType.Float32);
        float* o = TensorPointers.Float(output);
        for (int pos = 0; pos < length; pos++)
        {
            var (seg, first) = Locate(blocks[pos / BlockTokens]);
            nint storage = keys ? _bases[seg].Keys[layer] : _bases[seg].Values[layer];
            for (int h = 0; h < _kvHeads; h++)
                Q8_0Rows.Dequantize(RowAt(storage, h, first + pos % BlockTokens), o + ((long)h * length + pos) * _headDim, _headDim);
        }
        return output;
    }

    /// <summary>Data pointers of each block's first key and value row (head 0) in one layer; head h is <see cref="HeadStride"/> rows further.</summary>
    internal void Pointers(int layer, List<int> blocks, int count, Span<nint> keys, Span<nint> values)
    {
        RequireInPlace();
        for (int i = 0; i < count; i++)
        {
            var (seg, first) = Locate(blocks[i]);
            var (k, v) = _bases[seg];
            keys[i] = k[layer] + (nint)((long)first * _rowBytes);
            values[i] = v[layer] + (nint)((long)first * _rowBytes);
        }
    }

    /// <summary>
    /// Writes one position's keys and values, each (kv_heads, D) as raw bytes of the format's <see cref="KvFormat.WriteType"/>,
    /// at row <paramref name="row"/> of block <paramref name="block"/> in one layer.
    /// </summary>
    internal unsafe void Write(int layer, int block, int row, ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values)
    {
        RequireInPlace();
        int inBytes = _headDim * Format.WriteType.ElementSize();
        if (keys.Length != _kvHeads * inBytes || values.Length != keys.Length)
            throw new ArgumentException($"one position's keys and values take {_kvHeads * inBytes} bytes each of {Format.WriteType}, got {keys.Length} and {values.Length}");
        var (seg, first) = Locate(block);
        var (k, v) = _bases[seg];
        fixed (byte* ks = keys, vs = values)
            for (int h = 0; h < _kvHeads; h++)
            {
                Store(ks + h * inBytes, RowAt(k[layer], h, first + row));
                Store(vs + h * inBytes, RowAt(v[layer], h, first + row));
            }
    }

    /// <summary>One row, handed over in the write type, into its place in storage.</summary>
    unsafe void Store(byte* src, byte* dst)
    {
        if (Format.IsQuantized) Q8_0Rows.Quantize((float*)src, dst, _headDim);
        else Buffer.MemoryCopy(src, dst, _rowBytes, _rowBytes);
    }

    void RequireInPlace()
    {
        if (!InPlace) throw new InvalidOperationException($"a {Format} pool on {Device} is not read or written in place (only CPU f32, bf16 and q8_0 pools are)");
    }

    /// <summary>Rows between one KV head's positions and the next head's in a block's storage.</summary>
    internal int HeadStride => SegmentBlocks * BlockTokens;

    /// <summary>Where row <paramref name="row"/> of head <paramref name="head"/> lies in one layer's storage starting at <paramref name="storage"/>.</summary>
    unsafe byte* RowAt(nint storage, int head, int row) => (byte*)storage + ((long)head * HeadStride + row) * _rowBytes;

    static unsafe nint Base(Tensor t) => (nint)TensorPointers.Bytes(t);

    (int Segment, int FirstRow) Locate(int block) => (block / SegmentBlocks, block % SegmentBlocks * BlockTokens);

    /// <summary>Marks <paramref name="cache"/> idle (most recently used): it may lose its blocks to <see cref="EvictIdle"/>.</summary>
    internal void Park(KvCache cache)
    {
        lock (_lock)
        {
            if (cache.IdleNode is { } node) _idle.Remove(node);
            cache.IdleNode = _idle.AddLast(cache);
        }
    }

    /// <summary>Takes <paramref name="cache"/> off the idle list; from then on only its owner changes it.</summary>
    internal void Unpark(KvCache cache)
    {
        lock (_lock)
        {
            if (cache.IdleNode is not { } node) return;
            _idle.Remove(node);
            cache.IdleNode = null;
        }
    }

    /// <summary>Empties the least recently used idle cache that holds blocks; false when there is none.</summary>
    public bool EvictIdle()
    {
        lock (_lock) return EvictIdleLocked();
    }

    bool EvictIdleLocked()
    {
        for (var node = _idle.First; node is not null; node = node.Next)
        {
            if (node.Value.BlockCount == 0) continue;
            GiveLocked(node.Value.Evict(), 0);
            _evictions++;
            return true;
        }
        return false;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var (k, v) in _segments)
                foreach (var t in k.Concat(v)) t.Dispose();
            _segments.Clear();
            _bases.Clear();
            _free.Clear();
            _prefixes?.Clear();
            _made = _fresh = 0;
        }
    }
}
