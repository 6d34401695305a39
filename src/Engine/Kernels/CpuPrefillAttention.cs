using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Causal attention of one sequence's prefill chunk over its paged KV cache on the CPU, FlashAttention-style: keys and
/// values are read from the blocks in place, <see cref="KeyTile"/> positions at a time, with an online softmax, so the
/// working memory is O(chunk × tile) whatever the cached length, and nothing is gathered. The query heads that share a
/// KV head run together, so each key and value row is converted to F32 once for all of them. Computed in F32.
/// </summary>
public static unsafe class CpuPrefillAttention
{
    /// <summary>Key positions per tile: 8 vectors of 8 floats per score row.</summary>
    public const int KeyTile = 64;

    /// <summary>Query positions per work item (times the query heads per KV head: its rows).</summary>
    public const int QueryTile = 32;

    /// <summary>
    /// How the cache is laid out: position j of a sequence is row j % <see cref="BlockTokens"/> of its block j / BlockTokens,
    /// KV head h's rows start <see cref="HeadStride"/> rows after head 0's, and a row is <see cref="RowBytes"/> bytes that
    /// the converter widens to <see cref="HeadDim"/> floats.
    /// </summary>
    public readonly record struct Layout(int KvHeads, int Rep, int HeadDim, int BlockTokens, int HeadStride, int RowBytes);

    /// <summary>
    /// Attends <paramref name="length"/> query positions, at <paramref name="past"/>.. in the sequence, over cached positions
    /// 0..past + length − 1 (the chunk's own keys and values already written). <paramref name="q"/> is (length, KVH·rep, D)
    /// with head h in KV group h / rep; <paramref name="output"/> gets (length, KVH·rep·D). <paramref name="keyBlocks"/>[b] and
    /// <paramref name="valueBlocks"/>[b] point at block b's head-0 rows. (KV head, query tile) pairs are spread over
    /// <paramref name="threads"/> threads.
    /// </summary>
    public static void Run(float* q, float* output, int past, int length, byte** keyBlocks, byte** valueBlocks, Layout layout,
        delegate*<byte*, float*, int, void> toFloat, int threads)
    {
        if (layout.HeadDim % 8 != 0) throw new ArgumentException($"head dim {layout.HeadDim} is not a multiple of 8", nameof(layout));
        if (length <= 0) return;
        int tiles = (length + QueryTile - 1) / QueryTile, items = tiles * layout.KvHeads;
        var job = new Job(q, output, past, length, keyBlocks, valueBlocks, layout, toFloat);
        if (threads <= 1 || items == 1)
        {
            using var scratch = new Scratch(layout);
            for (int item = 0; item < items; item++) job.Item(item % layout.KvHeads, item / layout.KvHeads, scratch);
            return;
        }
        Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new Scratch(layout),
            (item, _, scratch) =>
            {
                job.Item(item % layout.KvHeads, item / layout.KvHeads, scratch);
                return scratch;
            },
            scratch => scratch.Dispose());
    }

    /// <summary>One worker's buffers, allocated once and reused for every item it runs.</summary>
    sealed class Scratch : IDisposable
    {
        public readonly float* Q, O, S, M, L, Kt, V, Row;

        public Scratch(Layout layout)
        {
            int rows = QueryTile * layout.Rep, d = layout.HeadDim;
            Q = Alloc(rows * d);
            O = Alloc(rows * d);
            S = Alloc(rows * KeyTile);
            M = Alloc(rows);
            L = Alloc(rows);
            Kt = Alloc(d * KeyTile);
            V = Alloc(KeyTile * d);
            Row = Alloc(8 * d);   // eight key rows between widening and transposing
        }

        static float* Alloc(int floats) => (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);

        public void Dispose()
        {
            foreach (var p in new[] { (nint)Q, (nint)O, (nint)S, (nint)M, (nint)L, (nint)Kt, (nint)V, (nint)Row })
                NativeMemory.AlignedFree((void*)p);
        }
    }

    readonly struct Job(float* q, float* output, int past, int length, byte** keyBlocks, byte** valueBlocks, Layout layout,
        delegate*<byte*, float*, int, void> toFloat)
    {
        /// <summary>Query positions [tile·QueryTile, …) of KV group <paramref name="g"/>: rows ρ = i·rep + r.</summary>
        public void Item(int g, int tile, Scratch s)
        {
            int rep = layout.Rep, d = layout.HeadDim, width = layout.KvHeads * rep * d;
            int i0 = tile * QueryTile, n = Math.Min(QueryTile, length - i0), rows = n * rep;
            float scale = 1f / MathF.Sqrt(d);
            for (int i = 0; i < n; i++)
                for (int r = 0; r < rep; r++)
                {
                    float* src = q + (long)(i0 + i) * width + (g * rep + r) * d, dst = s.Q + (i * rep + r) * d;
                    Scale(src, dst, d, scale);
                }
            new Span<float>(s.O, rows * d).Clear();
            new Span<float>(s.M, rows).Fill(float.NegativeInfinity);
            new Span<float>(s.L, rows).Clear();

            // query i (position past + i0 + i) sees keys 0..past + i0 + i: every row sees keys up to past + i0
            int keys = past + i0 + n;
            for (int j0 = 0; j0 < keys; j0 += KeyTile)
            {
                int kn = Math.Min(KeyTile, keys - j0);
                LoadTile(g, j0, kn, s);
                Scores(s.Q, s.Kt, s.S, rows, d);
                if (j0 + KeyTile - 1 > past + i0) Mask(s.S, rows, rep, past + i0 - j0);
                for (int row = 0; row < rows; row++) Softmax(s, row, d);
                Accumulate(s.S, s.V, s.O, rows, d, kn);
            }

            for (int i = 0; i < n; i++)
                for (int r = 0; r < rep; r++)
                {
                    int row = i * rep + r;
                    Scale(s.O + row * d, output + (long)(i0 + i) * width + (g * rep + r) * d, d, 1 / s.L[row]);
                }
        }

        /// <summary>Keys kn positions from j0 widened and transposed to Kt (D, KeyTile); values widened to V (KeyTile, D); the rest of the tile zero.</summary>
        void LoadTile(int g, int j0, int kn, Scratch s)
        {
            int d = layout.HeadDim;
            long head = (long)g * layout.HeadStride;
            int t = 0;
            if (Avx.IsSupported)
                for (; t + 8 <= kn; t += 8)
                {
                    // eight keys widened, then transposed eight columns at a time (d is a multiple of 8)
                    for (int k = 0; k < 8; k++) Widen(j0 + t + k, head, s.Row + k * d, s.V + (t + k) * d);
                    for (int c = 0; c < d; c += 8) Transpose8.Block(s.Row + c, d, s.Kt + c * KeyTile + t, KeyTile);
                }
            for (; t < kn; t++)
            {
                Widen(j0 + t, head, s.Row, s.V + t * d);
                for (int c = 0; c < d; c++) s.Kt[c * KeyTile + t] = s.Row[c];
            }
            if (kn == KeyTile) return;
            for (int c = 0; c < d; c++) new Span<float>(s.Kt + c * KeyTile + kn, KeyTile - kn).Clear();
            new Span<float>(s.V + kn * d, (KeyTile - kn) * d).Clear();
        }

        /// <summary>Position <paramref name="pos"/>'s key row widened to <paramref name="key"/> and its value row to <paramref name="value"/>.</summary>
        void Widen(int pos, long head, float* key, float* value)
        {
            int b = layout.BlockTokens;
            long offset = (head + pos % b) * layout.RowBytes;
            toFloat(keyBlocks[pos / b] + offset, key, layout.HeadDim);
            toFloat(valueBlocks[pos / b] + offset, value, layout.HeadDim);
        }
    }

    /// <summary><paramref name="d"/> values (a multiple of 8) times <paramref name="factor"/>.</summary>
    static void Scale(float* src, float* dst, int d, float factor)
    {
        var f = Vector256.Create(factor);
        for (int c = 0; c < d; c += 8) (Vector256.Load(src + c) * f).Store(dst + c);
    }

    /// <summary>Row ρ (query i = ρ / rep) sees tile columns t ≤ <paramref name="firstLimit"/> + i; the others get −∞.</summary>
    static void Mask(float* s, int rows, int rep, int firstLimit)
    {
        for (int row = 0; row < rows; row++)
        {
            int from = Math.Max(0, firstLimit + row / rep + 1);
            if (from < KeyTile) new Span<float>(s + row * KeyTile + from, KeyTile - from).Fill(float.NegativeInfinity);
        }
    }

    /// <summary>S (rows, KeyTile) = Q (rows, D) · Kt (D, KeyTile), four rows by sixteen keys at a time.</summary>
    static void Scores(float* q, float* kt, float* s, int rows, int d)
    {
        int row = 0;
        for (; row + 4 <= rows; row += 4)
        {
            float* q0 = q + row * d, q1 = q0 + d, q2 = q1 + d, q3 = q2 + d;
            for (int t = 0; t < KeyTile; t += 16)
            {
                Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, e0 = default, e1 = default;
                float* k = kt + t;
                for (int c = 0; c < d; c++, k += KeyTile)
                {
                    var k0 = Vector256.Load(k);
                    var k1 = Vector256.Load(k + 8);
                    var x = Vector256.Create(q0[c]);
                    a0 = Vector256.FusedMultiplyAdd(x, k0, a0);
                    a1 = Vector256.FusedMultiplyAdd(x, k1, a1);
                    x = Vector256.Create(q1[c]);
                    b0 = Vector256.FusedMultiplyAdd(x, k0, b0);
                    b1 = Vector256.FusedMultiplyAdd(x, k1, b1);
                    x = Vector256.Create(q2[c]);
                    c0 = Vector256.FusedMultiplyAdd(x, k0, c0);
                    c1 = Vector256.FusedMultiplyAdd(x, k1, c1);
                    x = Vector256.Create(q3[c]);
                    e0 = Vector256.FusedMultiplyAdd(x, k0, e0);
                    e1 = Vector256.FusedMultiplyAdd(x, k1, e1);
                }
                float* o = s + row * KeyTile + t;
                a0.Store(o); a1.Store(o + 8);
                b0.Store(o + KeyTile); b1.Store(o + KeyTile + 8);
                c0.Store(o + 2 * KeyTile); c1.Store(o + 2 * KeyTile + 8);
                e0.Store(o + 3 * KeyTile); e1.Store(o + 3 * KeyTile + 8);
            }
        }
        for (; row < rows; row++)
        {
            float* qr = q + row * d;
            for (int t = 0; t < KeyTile; t += 16)
            {
                Vector256<float> a0 = default, a1 = default;
                float* k = kt + t;
                for (int c = 0; c < d; c++, k += KeyTile)
                {
                    var x = Vector256.Create(qr[c]);
                    a0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(k), a0);
                    a1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(k + 8), a1);
                }
                a0.Store(s + row * KeyTile + t);
                a1.Store(s + row * KeyTile + t + 8);
            }
        }
    }

    /// <summary>
    /// The online softmax step of one row: its scores become exp(score − new max), its running sum and output are
    /// rescaled by exp(old max − new max).
    /// </summary>
    static void Softmax(Scratch s, int row, int d)
    {
        float* p = s.S + row * KeyTile;
        var mx = Vector256.Load(p);
        for (int t = 8; t < KeyTile; t += 8) mx = Vector256.Max(mx, Vector256.Load(p + t));
        float old = s.M[row], max = MathF.Max(old, Max(mx));
        var sub = Vector256.Create(max);
        var sum = Vector256<float>.Zero;
        for (int t = 0; t < KeyTile; t += 8)
        {
            var e = SoftmaxExp.Exp(Vector256.Load(p + t) - sub);
            e.Store(p + t);
            sum += e;
        }
        float alpha = MathF.Exp(old - max);   // 0 on the first tile (old = −∞)
        s.L[row] = s.L[row] * alpha + Vector256.Sum(sum);
        s.M[row] = max;
        if (alpha == 1f) return;
        Scale(s.O + row * d, s.O + row * d, d, alpha);
    }

    /// <summary>The largest lane, by halving in registers.</summary>
    static float Max(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        return MathF.Max(m.ToScalar(), m.GetElement(1));
    }

    /// <summary>O (rows, D) += P (rows, KeyTile) · V (KeyTile, D) over the tile's first <paramref name="kn"/> keys; four rows by 32 columns at a time.</summary>
    static void Accumulate(float* p, float* v, float* o, int rows, int d, int kn)
    {
        int row = 0;
        for (; row + 4 <= rows; row += 4)
        {
            float* p0 = p + row * KeyTile, p1 = p0 + KeyTile, p2 = p1 + KeyTile, p3 = p2 + KeyTile;
            int c = 0;
            for (; c + 32 <= d; c += 32)
            {
                float* o0 = o + row * d + c, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
                Vector256<float> a0 = Vector256.Load(o0), a1 = Vector256.Load(o0 + 8), a2 = Vector256.Load(o0 + 16), a3 = Vector256.Load(o0 + 24);
                Vector256<float> b0 = Vector256.Load(o1), b1 = Vector256.Load(o1 + 8), b2 = Vector256.Load(o1 + 16), b3 = Vector256.Load(o1 + 24);
                Vector256<float> c0 = Vector256.Load(o2), c1 = Vector256.Load(o2 + 8), c2 = Vector256.Load(o2 + 16), c3 = Vector256.Load(o2 + 24);
                Vector256<float> e0 = Vector256.Load(o3), e1 = Vector256.Load(o3 + 8), e2 = Vector256.Load(o3 + 16), e3 = Vector256.Load(o3 + 24);
                float* vr = v + c;
                for (int t = 0; t < kn; t++, vr += d)
                {
                    var v0 = Vector256.Load(vr);
                    var v1 = Vector256.Load(vr + 8);
                    var v2 = Vector256.Load(vr + 16);
                    var v3 = Vector256.Load(vr + 24);
                    var x = Vector256.Create(p0[t]);
                    a0 = Vector256.FusedMultiplyAdd(x, v0, a0); a1 = Vector256.FusedMultiplyAdd(x, v1, a1);
                    a2 = Vector256.FusedMultiplyAdd(x, v2, a2); a3 = Vector256.FusedMultiplyAdd(x, v3, a3);
                    x = Vector256.Create(p1[t]);
                    b0 = Vector256.FusedMultiplyAdd(x, v0, b0); b1 = Vector256.FusedMultiplyAdd(x, v1, b1);
                    b2 = Vector256.FusedMultiplyAdd(x, v2, b2); b3 = Vector256.FusedMultiplyAdd(x, v3, b3);
                    x = Vector256.Create(p2[t]);
                    c0 = Vector256.FusedMultiplyAdd(x, v0, c0); c1 = Vector256.FusedMultiplyAdd(x, v1, c1);
                    c2 = Vector256.FusedMultiplyAdd(x, v2, c2); c3 = Vector256.FusedMultiplyAdd(x, v3, c3);
                    x = Vector256.Create(p3[t]);
                    e0 = Vector256.FusedMultiplyAdd(x, v0, e0); e1 = Vector256.FusedMultiplyAdd(x, v1, e1);
                    e2 = Vector256.FusedMultiplyAdd(x, v2, e2); e3 = Vector256.FusedMultiplyAdd(x, v3, e3);
                }
                a0.Store(o0); a1.Store(o0 + 8); a2.Store(o0 + 16); a3.Store(o0 + 24);
                b0.Store(o1); b1.Store(o1 + 8); b2.Store(o1 + 16); b3.Store(o1 + 24);
                c0.Store(o2); c1.Store(o2 + 8); c2.Store(o2 + 16); c3.Store(o2 + 24);
                e0.Store(o3); e1.Store(o3 + 8); e2.Store(o3 + 16); e3.Store(o3 + 24);
            }
            for (int r = 0; r < 4; r++) AccumulateRow(p + (row + r) * KeyTile, v, o + (row + r) * d, d, kn, c);
        }
        for (; row < rows; row++) AccumulateRow(p + row * KeyTile, v, o + row * d, d, kn, 0);
    }

    /// <summary>One row's columns <paramref name="from"/>..D, eight at a time.</summary>
    static void AccumulateRow(float* p, float* v, float* o, int d, int kn, int from)
    {
        for (int c = from; c < d; c += 8)
        {
            var acc = Vector256.Load(o + c);
            for (int t = 0; t < kn; t++) acc = Vector256.FusedMultiplyAdd(Vector256.Create(p[t]), Vector256.Load(v + t * d + c), acc);
            acc.Store(o + c);
        }
    }

    /// <summary>Row converters for the cache types the CPU pool stores.</summary>
    public static void F32Row(byte* src, float* dst, int n) => Buffer.MemoryCopy(src, dst, n * sizeof(float), n * sizeof(float));

    public static void Bf16Row(byte* src, float* dst, int n) => Bf16.Widen((ushort*)src, dst, n);
}
