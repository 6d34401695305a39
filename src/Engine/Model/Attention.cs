using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>Grouped-query self-attention over a ragged batch; RoPE is skipped on NoPE layers.</summary>
public sealed class Attention : IDisposable
{
    readonly int _heads, _kvHeads, _headDim, _layer;
    readonly bool _rope;
    readonly Linear _qkv;    // ((H + 2·KVH)·D, hidden): q_proj, k_proj, v_proj rows stacked, one matmul for all three
    readonly Linear _oProj;  // (hidden, H·D)

    /// <param name="qkv">q_proj, k_proj and v_proj rows stacked in that order.</param>
    public Attention(ModelConfig config, int layer, Linear qkv, Linear oProj)
    {
        (_heads, _kvHeads, _headDim, _layer) = (config.NumHeads, config.NumKvHeads, config.HeadDim, layer);
        _rope = config.UsesRope(layer);
        _qkv = qkv;
        _oProj = oProj;
    }

    /// <param name="x">(T, hidden) — the tokens of every sequence in the batch, concatenated.</param>
    public Tensor Forward(Tensor x, BatchLayout batch, Tensor cos, Tensor sin)
    {
        long t = x.shape[0];
        // 1. (T, hidden) -> (T, H + 2·KVH, D)
        var qkv = _qkv.Forward(x).view(t, _heads + 2 * _kvHeads, _headDim);
        // 2. rotate q and k heads together by absolute position (not on NoPE layers)
        var qk = qkv.narrow(1, 0, _heads + _kvHeads);
        if (_rope) qk = RotaryEmbedding.Apply(qk, cos, sin);
        var q = qk.narrow(1, 0, _heads);
        var k = qk.narrow(1, _heads, _kvHeads);
        var v = qkv.narrow(1, _heads + _kvHeads, _kvHeads);
        // 3. CPU caches of F32, BF16 or Q8_0 are read in place by our kernels: decode positions all in one call, prefill
        //    chunks one sequence at a time, tiled; both write their rows of one F32 output
        var decode = CpuDecodeSequences(batch);
        Tensor? output = null;
        if (decode.Count > 0 || Enumerable.Range(0, batch.Count).Any(i => batch.Caches[i].Pool.InPlace))
        {
            output = empty([t, _heads * _headDim], ScalarType.Float32);
            if (decode.Count > 0) AttendDecodeCpu(q, k, v, batch, decode, output);
        }
        // 4. the rest (other devices) per sequence, over the blocks gathered into one (KVH, S, D) view
        var outputs = new List<Tensor>();
        for (int i = 0; i < batch.Count; i++)
        {
            if (decode.Contains(i)) continue;
            var (offset, len, cache) = (batch.Offsets[i], batch.Lengths[i], batch.Caches[i]);
            cache.Append(_layer, k.narrow(0, offset, len), v.narrow(0, offset, len));
            if (cache.Pool.InPlace)
            {
                AttendPrefillCpu(q.narrow(0, offset, len), cache, output!.narrow(0, offset, len));
                continue;
            }
            // the cache's type (KV dtype) to the compute type, which SDPA needs on both sides
            var (keys, values) = cache.Gather(_layer, cache.Length + len);
            (keys, values) = (keys.to(q.dtype), values.to(q.dtype));
            var o = Attend(q.narrow(0, offset, len), keys, values, cache.Length);
            if (output is null) outputs.Add(o);
            else output.narrow(0, offset, len).copy_(o);
        }
        // 5. (T, H·D) -> (T, hidden)
        var attended = output?.to(x.dtype) ?? (outputs.Count == 1 ? outputs[0] : cat(outputs, 0));
        return _oProj.Forward(attended);
    }

    /// <summary>
    /// One sequence's prefill chunk, its keys and values already appended, attended by <see cref="CpuPrefillAttention"/>
    /// over its blocks in place; <paramref name="output"/> is the chunk's (L, H·D) rows of the F32 output.
    /// </summary>
    unsafe void AttendPrefillCpu(Tensor q, KvCache cache, Tensor output)
    {
        int len = (int)q.shape[0], total = cache.Length + len, blocks = cache.Pool.BlocksFor(total);
        var pool = cache.Pool;
        var queries = q.to(ScalarType.Float32).contiguous();
        var layout = new CpuPrefillAttention.Layout(_kvHeads, _heads / _kvHeads, _headDim, pool.BlockTokens, pool.HeadStride, pool.Format.RowBytes(_headDim));
        delegate*<byte*, float*, int, void> toFloat = pool.Format == KvFormat.Q8_0 ? &Q8_0Rows.Dequantize
            : pool.Format == KvFormat.BF16 ? &CpuPrefillAttention.Bf16Row : &CpuPrefillAttention.F32Row;
        fixed (nint* kb = ThreadScratch.Pinned(ref _blockScratch, 2L * blocks, 1024))
        {
            nint* vb = kb + blocks;
            cache.Pointers(_layer, total, new Span<nint>(kb, blocks), new Span<nint>(vb, blocks));
            CpuPrefillAttention.Run(TensorPointers.Float(queries), TensorPointers.Float(output), cache.Length, len, (byte**)kb, (byte**)vb,
                layout, toFloat, get_num_threads());
        }
    }

    /// <summary>
    /// Which sequences feed one position into a CPU cache the decode kernel reads (F32, BF16 or Q8_0), all laid out like
    /// the first one's (block size, head stride, type: one kernel call takes one layout; any other goes the general way).
    /// </summary>
    static List<int> CpuDecodeSequences(BatchLayout batch)
    {
        var decode = new List<int>(batch.Count);
        KvBlockPool? layout = null;
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Lengths[i] != 1 || batch.Caches[i].Pool is not { InPlace: true } pool) continue;
            layout ??= pool;
            if (pool.BlockTokens == layout.BlockTokens && pool.HeadStride == layout.HeadStride && pool.Format == layout.Format) decode.Add(i);
        }
        return decode;
    }

    /// <summary>
    /// The decode sequences' keys and values written by their caches straight into their blocks, then one <see cref="CpuDecodeAttention"/>
    /// call for all of them, filling those sequences' rows of the (T, H·D) F32 <paramref name="output"/>.
    /// </summary>
    unsafe void AttendDecodeCpu(Tensor q, Tensor k, Tensor v, BatchLayout batch, List<int> decode, Tensor output)
    {
        var pool = batch.Caches[decode[0]].Pool;
        var (kc, vc) = (k.to(pool.Format.WriteType).contiguous(), v.to(pool.Format.WriteType).contiguous());
        int positionBytes = _kvHeads * _headDim * (int)kc.ElementSize;
        // the decode rows' queries, (n, KVH·rep, D) in F32: head h belongs to KV group h / rep
        long t = output.shape[0];
        var queries = (decode.Count == t ? q : q.index_select(0, tensor(decode.Select(i => (long)batch.Offsets[i]).ToArray(), device: q.device))).to(ScalarType.Float32).contiguous();
        // Split the heads over the threads only in steps whose matmuls are our GEMV: libtorch's GEMM (larger steps)
        // leaves its OpenMP workers spinning between calls, and a second hand-off only competes with them
        // (measured: no faster at 16 sequences, even over 1k-token caches).
        int threads = t <= CpuGemv.OneOffRows ? get_num_threads() : 1;
        AttendDecode(TensorPointers.Float(queries), TensorPointers.Bytes(kc), TensorPointers.Bytes(vc), positionBytes, positionBytes,
            batch, decode, TensorPointers.Float(output), threads);
    }

    /// <summary>
    /// Each listed sequence's new positions (keys and values of the pool's write type, row r of <paramref name="keys"/> /
    /// <paramref name="values"/> for batch row r, <paramref name="stride"/> bytes apart) written by its cache into its blocks,
    /// then one <see cref="CpuDecodeAttention"/> call over all their rows: a row at position p of its cache attends to
    /// positions 0..p, which is causal attention for a chunk of several positions. <paramref name="queries"/> holds the
    /// rows' (H·D) F32 queries one after another, and each fills its batch row of <paramref name="output"/>.
    /// </summary>
    unsafe void AttendDecode(float* queries, byte* keys, byte* values, long stride, int positionBytes, BatchLayout batch, List<int> decode,
        float* output, int threads)
    {
        int n = 0, blocks = 0, rep = _heads / _kvHeads;
        var pool = batch.Caches[decode[0]].Pool;
        foreach (int i in decode)
        {
            n += batch.Lengths[i];
            blocks += pool.BlocksFor(batch.Caches[i].Length + batch.Lengths[i]);
        }
        // a chunk's rows share its block pointers: a row reads only the blocks its length covers. The lists live in
        // this thread's scratch: allocated for every layer of every step, they were a fifth of a 16-stream step's garbage
        fixed (int* f = ThreadScratch.Pinned(ref _rowScratch, 3L * n, 64))
        fixed (nint* kb = ThreadScratch.Pinned(ref _blockScratch, 2L * blocks, 1024))
        {
            int* first = f, lengths = f + n, rows = f + 2 * n;
            nint* vb = kb + blocks;
            int row = 0, block = 0;
            foreach (int i in decode)
            {
                var cache = batch.Caches[i];
                int len = batch.Lengths[i];
                for (int m = 0; m < len; m++, row++)
                {
                    (first[row], lengths[row], rows[row]) = (block, cache.Length + m + 1, batch.Offsets[i] + m);
                    long src = rows[row] * stride;
                    cache.AppendPosition(_layer, m, new ReadOnlySpan<byte>(keys + src, positionBytes), new ReadOnlySpan<byte>(values + src, positionBytes));
                }
                int covered = pool.BlocksFor(cache.Length + len);
                cache.Pointers(_layer, cache.Length + len, new Span<nint>(kb + block, covered), new Span<nint>(vb + block, covered));
                block += covered;
            }
            CpuDecodeAttention.RunPagedBatch(queries, kb, vb, first, lengths, rows, output, n, _kvHeads, rep, _headDim, pool.BlockTokens, pool.HeadStride, pool.Format, threads);
        }
    }

    // this thread's lists for one layer's attention (AttendDecode's rows; both kernels' key then value block pointers)
    [ThreadStatic] static int[]? _rowScratch;
    [ThreadStatic] static nint[]? _blockScratch;

    /// <summary>
    /// The same for a fused step: <paramref name="t"/> rows of the batch's sequences (one position each when decoding, a few
    /// for a short prompt piece), every cache read in place in one layout (<see cref="CausalLM"/> checks), on raw F32 rows. <paramref name="y"/> (t, hidden) is overwritten.
    /// <paramref name="cos"/> and <paramref name="sin"/> are <see cref="RotaryEmbedding.Angles"/>' rows, (t, D).
    /// </summary>
    internal unsafe void Decode(float* x, float* y, int t, BatchLayout batch, float* cos, float* sin, DecodeScratch scratch)
    {
        int d = _headDim, width = (_heads + 2 * _kvHeads) * d, kvWidth = _kvHeads * d;
        var pool = batch.Caches[0].Pool;
        fixed (float* qkv = scratch.Qkv, queries = scratch.Queries, attended = scratch.Attended)
        fixed (ushort* k16 = scratch.Keys16, v16 = scratch.Values16)
        {
            _qkv.Multiply(x, qkv, t);
            // keys and values go to the cache in its write type: F32 as they are, or rounded to BF16 as torch rounds
            bool narrow = pool.Format.WriteType == ScalarType.BFloat16;
            float* qkvp = qkv, qp = queries;
            ushort* kp = k16, vp = v16;
            CpuRowSplit.Run(t, get_num_threads(), (r0, r1) => PrepareRows(qkvp, qp, kp, vp, r0, r1, cos, sin, narrow));
            byte* keys = (byte*)(qkv + _heads * d), values = (byte*)(qkv + _heads * d + kvWidth);
            long stride = (long)width * sizeof(float);
            int positionBytes = kvWidth * sizeof(float);
            if (narrow)
            {
                keys = (byte*)k16;
                values = (byte*)v16;
                stride = positionBytes = kvWidth * sizeof(ushort);
            }
            var all = Enumerable.Range(0, batch.Count).ToList();
            AttendDecode(queries, keys, values, stride, positionBytes, batch, all, attended, get_num_threads());
            _oProj.Multiply(attended, y, t);
        }
    }

    /// <summary>
    /// Rows r0 … r1 − 1 of a fused step's Q/K/V: queries (rotated) into <paramref name="queries"/>, keys rotated in place,
    /// and with <paramref name="narrow"/> keys and values rounded to BF16 for the cache.
    /// </summary>
    unsafe void PrepareRows(float* qkv, float* queries, ushort* k16, ushort* v16, int r0, int r1, float* cos, float* sin, bool narrow)
    {
        int d = _headDim, width = (_heads + 2 * _kvHeads) * d, kvWidth = _kvHeads * d;
        for (int r = r0; r < r1; r++)
        {
            float* row = qkv + (long)r * width, q = queries + (long)r * _heads * d;
            if (_rope)
            {
                for (int h = 0; h < _heads; h++) Rotate(row + h * d, q + h * d, cos + r * d, sin + r * d, d);
                for (int h = 0; h < _kvHeads; h++) Rotate(row + (_heads + h) * d, row + (_heads + h) * d, cos + r * d, sin + r * d, d);
            }
            else
                new ReadOnlySpan<float>(row, _heads * d).CopyTo(new Span<float>(q, _heads * d));
            if (narrow)
            {
                Bf16.Narrow(row + _heads * d, k16 + (long)r * kvWidth, kvWidth);
                Bf16.Narrow(row + _heads * d + kvWidth, v16 + (long)r * kvWidth, kvWidth);
            }
        }
    }

    /// <summary>x · cos + rotate_half(x) · sin for one head of <paramref name="d"/> values, as <see cref="RotaryEmbedding.Apply"/> computes it (sin signed).</summary>
    static unsafe void Rotate(float* x, float* y, float* cos, float* sin, int d)
    {
        int half = d / 2, i = 0;
        // as the scalar loop, eight at a time: products and sums unfused, so the same bits
        for (; i + 8 <= half; i += 8)
        {
            var a = Vector256.Load(x + i);
            var b = Vector256.Load(x + i + half);
            (a * Vector256.Load(cos + i) + b * Vector256.Load(sin + i)).Store(y + i);
            (b * Vector256.Load(cos + i + half) + a * Vector256.Load(sin + i + half)).Store(y + i + half);
        }
        for (; i < half; i++)
        {
            float a = x[i], b = x[i + half];
            y[i] = a * cos[i] + b * sin[i];
            y[i + half] = b * cos[i + half] + a * sin[i + half];
        }
    }

    /// <summary>
    /// Folds the query heads that share a KV head into the row dimension, (L, H, D) -> (KVH, rep·L, D),
    /// so keys and values are never copied per head.
    /// </summary>
    Tensor Attend(Tensor q, Tensor keys, Tensor values, int past)
    {
        long len = q.shape[0], total = keys.shape[1];
        int rep = _heads / _kvHeads;
        var grouped = q.permute(1, 0, 2).reshape(_kvHeads, rep * len, _headDim);
        Tensor? mask = null;
        if (len > 1)
        {
            // query i (at position past+i) sees keys 0..past+i
            var rows = arange(past, past + len, device: q.device).unsqueeze(1);
            var cols = arange(total, device: q.device).unsqueeze(0);
            mask = cols.le(rows).unsqueeze(0).expand(rep, len, total).reshape(rep * len, total);
        }
        var o = F.scaled_dot_product_attention(grouped, keys, values, mask);
        // (KVH, rep·L, D) -> (H, L, D) -> (L, H·D)
        return o.view(_heads, len, _headDim).permute(1, 0, 2).reshape(len, _heads * _headDim);
    }

    internal bool MultipliesRaw => _qkv.MultipliesRaw && _oProj.MultipliesRaw;

    internal int MaxRawRows => Math.Min(_qkv.MaxRawRows, _oProj.MaxRawRows);

    public void Dispose()
    {
        _qkv.Dispose();
        _oProj.Dispose();
    }
}
