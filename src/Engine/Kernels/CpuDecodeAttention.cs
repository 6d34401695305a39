using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Model;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Attention for the one new query position of each of several sequences over their cached keys and values
/// (float32, bfloat16 or Q8_0 rows) on the CPU, computed in float32, reading the paged caches' blocks in place.
/// A decode step has too little work per head for libtorch's parallel attention kernels, whose thread
/// hand-offs cost more than the arithmetic; this runs the heads as plain loops instead.
/// </summary>
public static unsafe partial class CpuDecodeAttention
{
    /// <summary>
    /// The decode positions of several sequences at once, each over its own paged cache. Position j of a sequence
    /// is row j % <paramref name="blockTokens"/> of its block j / blockTokens, and head h's rows are
    /// <paramref name="headStride"/> rows after head 0's: the blocks are read in place, never copied. Sequence i's query
    /// (kvHeads, rep, headDim) is at <paramref name="q"/> + i·kvHeads·rep·headDim and its output at
    /// <paramref name="output"/> + outputRows[i]·kvHeads·rep·headDim; the head-0 rows of its blocks start at
    /// <paramref name="keyBlocks"/>[firstBlock[i] + b]. The (sequence, KV head) pairs are spread over
    /// <paramref name="threads"/> threads in one hand-off, so a batch step pays for one parallel region per
    /// layer, not one per sequence. Rows are in <paramref name="format"/>: f32, bf16 or q8_0.
    /// </summary>
    /// <param name="widestVector">The widest vectors (bits) the register-blocked loops may use: 512 takes AVX-512's where the
    /// CPU has them, else AVX2's 256-bit ones (tests pass 256 to run those on any CPU).</param>
    public static void RunPagedBatch(float* q, nint* keyBlocks, nint* valueBlocks, int* firstBlock, int* lengths, int* outputRows, float* output,
        int sequences, int kvHeads, int rep, int headDim, int blockTokens, int headStride, KvFormat format, int threads, int widestVector = 512)
    {
        delegate*<float*, byte*, int, float> dot;
        delegate*<float, byte*, float*, int, void> axpy;
        if (format == KvFormat.F32) { dot = &DotF32; axpy = &AxpyF32; }
        else if (format == KvFormat.BF16) { dot = &DotBf16; axpy = &AxpyBf16; }
        else if (format == KvFormat.Q8_0) { dot = &Q8_0Rows.Dot; axpy = &Q8_0Rows.Axpy; }
        else throw new ArgumentException($"the decode kernel reads f32, bf16 and q8_0 rows, not {format}", nameof(format));
        var loop = LoopFor(format, headDim, rep, widestVector);
        var shape = new Shape(kvHeads, rep, headDim, blockTokens, headStride, format.RowBytes(headDim), loop);
        int width = kvHeads * rep * headDim;
        var seqs = new Sequence[sequences];
        for (int i = 0; i < sequences; i++)
            seqs[i] = new Sequence(q + (long)i * width, (byte**)(keyBlocks + firstBlock[i]), (byte**)(valueBlocks + firstBlock[i]),
                output + (long)outputRows[i] * width, lengths[i]);
        fixed (Sequence* all = seqs) RunAll(all, sequences, shape, threads, dot, axpy);
    }

    // each thread's scores, kept between calls: at depth they are past the large-object threshold, and a step allocated
    // them for every layer
    [ThreadStatic] static float[]? _scores;

    /// <summary>
    /// Which loop a group's rows take: <see cref="Group"/>'s, through the format's dot and axpy, <see cref="GroupWide{TRow}"/>'s
    /// (512-bit) or <see cref="GroupAvx2{TRow, THeads}"/>'s (256-bit, by the group's head count).
    /// </summary>
    enum RowLoop { General, WideF32, WideBf16, Avx2F32, Avx2Bf16 }

    /// <summary>F32 and BF16 rows take the register-blocked loops where the shape fits them (every SmolLM shape does).</summary>
    static RowLoop LoopFor(KvFormat format, int headDim, int rep, int widestVector)
    {
        if (format != KvFormat.F32 && format != KvFormat.BF16) return RowLoop.General;
        bool f32 = format == KvFormat.F32;
        if (widestVector >= 512 && Vector512.IsHardwareAccelerated && headDim % 64 == 0 && rep <= 4) return f32 ? RowLoop.WideF32 : RowLoop.WideBf16;
        if (Avx2.IsSupported && Fma.IsSupported && headDim % 16 == 0 && rep is >= 2 and <= 4) return f32 ? RowLoop.Avx2F32 : RowLoop.Avx2Bf16;
        return RowLoop.General;
    }

    readonly record struct Shape(int KvHeads, int Rep, int HeadDim, int BlockTokens, int HeadStride, int RowBytes, RowLoop Loop)
    {
        public float Scale => 1f / MathF.Sqrt(HeadDim);

        /// <summary>Bytes from a block's head-0 rows to KV head <paramref name="g"/>'s.</summary>
        public long HeadOffset(int g) => (long)g * HeadStride * RowBytes;

        /// <summary>Floats from a sequence's query (or output) to KV group <paramref name="g"/>'s heads.</summary>
        public long GroupOffset(int g) => (long)g * Rep * HeadDim;
    }

    readonly struct Sequence(float* q, byte** keys, byte** values, float* output, int length)
    {
        public readonly float* Q = q, Output = output;
        public readonly byte** Keys = keys, Values = values;
        public readonly int Length = length;
    }

    /// <summary>
    /// Every (sequence, KV group) pair, split into contiguous runs of about equal work (cached positions)
    /// when a group's share (positions × rep, summed over the sequences) pays for a thread hand-off.
    /// </summary>
    static void RunAll(Sequence* seqs, int count, Shape shape, int threads,
        delegate*<float*, byte*, int, float> dot, delegate*<float, byte*, float*, int, void> axpy)
    {
        int pairs = count * shape.KvHeads, maxLength = 0;
        long positions = 0;
        for (int i = 0; i < count; i++)
        {
            maxLength = Math.Max(maxLength, seqs[i].Length);
            positions += seqs[i].Length;
        }
        long work = positions * shape.KvHeads;
        int parts = positions * shape.Rep >= 2048 ? Math.Min(threads, pairs) : 1;
        if (parts <= 1)
        {
            fixed (float* s = ThreadScratch.Pinned(ref _scores, (long)shape.Rep * maxLength, 16 * 1024))
                for (int p = 0; p < pairs; p++) Group(seqs[p / shape.KvHeads], p % shape.KvHeads, shape, s, dot, axpy);
            return;
        }
        // Part boundaries by cumulative work, so one long sequence does not leave the other threads idle.
        var bounds = new int[parts + 1];
        long done = 0;
        for (int p = 0, part = 1; p < pairs && part < parts; p++)
        {
            done += seqs[p / shape.KvHeads].Length;
            if (done * parts >= work * part) bounds[part++] = p + 1;
        }
        bounds[parts] = pairs;
        for (int part = 1; part < parts; part++) bounds[part] = Math.Max(bounds[part], bounds[part - 1]);
        CpuWorkers.Run(parts, part =>
        {
            fixed (float* s = ThreadScratch.Pinned(ref _scores, (long)shape.Rep * maxLength, 16 * 1024))
                for (int p = bounds[part]; p < bounds[part + 1]; p++) Group(seqs[p / shape.KvHeads], p % shape.KvHeads, shape, s, dot, axpy);
        });
    }

    /// <summary>
    /// The query heads of KV group <paramref name="g"/> read each key and value row once, while it is in L1.
    /// Positions are visited in order, block by block, so the sums do not depend on where the blocks lie.
    /// </summary>
    static void Group(in Sequence seq, int g, in Shape shape, float* s,
        delegate*<float*, byte*, int, float> dot, delegate*<float, byte*, float*, int, void> axpy)
    {
        if (shape.Loop == RowLoop.WideF32)
        {
            GroupWide<F32Row>(seq, g, shape, s);
            return;
        }
        if (shape.Loop == RowLoop.WideBf16)
        {
            GroupWide<Bf16Row>(seq, g, shape, s);
            return;
        }
        if (shape.Loop is RowLoop.Avx2F32 or RowLoop.Avx2Bf16)
        {
            GroupAvx2(seq, g, shape, s);
            return;
        }
        int rep = shape.Rep, headDim = shape.HeadDim, blockTokens = shape.BlockTokens, length = seq.Length;
        float scale = shape.Scale;
        long rowBytes = shape.RowBytes, head = shape.HeadOffset(g);
        float* qg = seq.Q + shape.GroupOffset(g), og = seq.Output + shape.GroupOffset(g);
        for (int j0 = 0, b = 0; j0 < length; j0 += blockTokens, b++)
        {
            byte* k = seq.Keys[b] + head;
            for (int t = 0, n = Math.Min(blockTokens, length - j0); t < n; t++)
                for (int r = 0; r < rep; r++)
                    s[r * length + j0 + t] = dot(qg + r * headDim, k + t * rowBytes, headDim) * scale;
        }
        for (int r = 0; r < rep; r++) Softmax(s + r * length, length);
        new Span<float>(og, rep * headDim).Clear();
        for (int j0 = 0, b = 0; j0 < length; j0 += blockTokens, b++)
        {
            byte* v = seq.Values[b] + head;
            for (int t = 0, n = Math.Min(blockTokens, length - j0); t < n; t++)
                for (int r = 0; r < rep; r++)
                    axpy(s[r * length + j0 + t], v + t * rowBytes, og + r * headDim, headDim);
        }
    }

    /// <summary>
    /// <see cref="Group"/> for F32 or BF16 rows with 512-bit vectors, head size a multiple of 64 and at most four query
    /// heads a group: each key row is read once for all the group's heads (one accumulator each, no call per key), and
    /// the output's 64-value slices stay in registers across a block of value rows instead of being loaded and stored
    /// for every position. The sums are the same products in another order than <see cref="Group"/>'s.
    /// </summary>
    static void GroupWide<TRow>(in Sequence seq, int g, in Shape shape, float* s) where TRow : struct, IWideRow
    {
        int rep = shape.Rep, headDim = shape.HeadDim, blockTokens = shape.BlockTokens, length = seq.Length;
        float scale = shape.Scale;
        long rowBytes = shape.RowBytes, head = shape.HeadOffset(g);
        float* qg = seq.Q + shape.GroupOffset(g), og = seq.Output + shape.GroupOffset(g);
        float* q0 = qg, q1 = qg + Math.Min(1, rep - 1) * headDim, q2 = qg + Math.Min(2, rep - 1) * headDim, q3 = qg + Math.Min(3, rep - 1) * headDim;
        for (int j0 = 0, b = 0; j0 < length; j0 += blockTokens, b++)
        {
            byte* k = seq.Keys[b] + head;
            int n = Math.Min(blockTokens, length - j0), t = 0;
            for (; t + 4 <= n; t += 4, k += 4 * rowBytes)
                Scores4<TRow>(k, rowBytes, q0, q1, q2, q3, headDim, scale, s + j0 + t, length, rep);
            for (; t < n; t++, k += rowBytes)
            {
                Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int c = 0; c < headDim; c += 16)
                {
                    var kv = TRow.Load(k, c);
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(q0 + c), kv, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(q1 + c), kv, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(q2 + c), kv, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(q3 + c), kv, a3);
                }
                // rep < 4 computes copies of the last head's sums and drops them
                int j = j0 + t;
                s[j] = Vector512.Sum(a0) * scale;
                if (rep > 1) s[length + j] = Vector512.Sum(a1) * scale;
                if (rep > 2) s[2 * length + j] = Vector512.Sum(a2) * scale;
                if (rep > 3) s[3 * length + j] = Vector512.Sum(a3) * scale;
            }
        }
        for (int r = 0; r < rep; r++) Softmax(s + r * length, length);
        new Span<float>(og, rep * headDim).Clear();
        // each value row's 64-value slice converted once for all the group's heads (four accumulators a head), the
        // weights and outputs of heads past rep being copies of the last head's, computed and not stored
        int r1 = Math.Min(1, rep - 1), r2 = Math.Min(2, rep - 1), r3 = Math.Min(3, rep - 1);
        for (int j0 = 0, b = 0; j0 < length; j0 += blockTokens, b++)
        {
            byte* v = seq.Values[b] + head;
            int n = Math.Min(blockTokens, length - j0);
            float* p0 = s + j0, p1 = s + r1 * length + j0, p2 = s + r2 * length + j0, p3 = s + r3 * length + j0;
            for (int c = 0; c < headDim; c += 64)
            {
                float* o0 = og + c, o1 = og + r1 * headDim + c, o2 = og + r2 * headDim + c, o3 = og + r3 * headDim + c;
                var (a00, a01, a02, a03) = Load4(o0);
                var (a10, a11, a12, a13) = Load4(o1);
                var (a20, a21, a22, a23) = Load4(o2);
                var (a30, a31, a32, a33) = Load4(o3);
                byte* vt = v;
                for (int t = 0; t < n; t++, vt += rowBytes)
                {
                    var x0 = TRow.Load(vt, c); var x1 = TRow.Load(vt, c + 16); var x2 = TRow.Load(vt, c + 32); var x3 = TRow.Load(vt, c + 48);
                    (a00, a01, a02, a03) = F32Rows.Fma4(Vector512.Create(p0[t]), x0, x1, x2, x3, a00, a01, a02, a03);
                    (a10, a11, a12, a13) = F32Rows.Fma4(Vector512.Create(p1[t]), x0, x1, x2, x3, a10, a11, a12, a13);
                    (a20, a21, a22, a23) = F32Rows.Fma4(Vector512.Create(p2[t]), x0, x1, x2, x3, a20, a21, a22, a23);
                    (a30, a31, a32, a33) = F32Rows.Fma4(Vector512.Create(p3[t]), x0, x1, x2, x3, a30, a31, a32, a33);
                }
                Store4(o0, a00, a01, a02, a03);
                if (rep > 1) Store4(o1, a10, a11, a12, a13);
                if (rep > 2) Store4(o2, a20, a21, a22, a23);
                if (rep > 3) Store4(o3, a30, a31, a32, a33);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Load4(float* o) =>
        (Vector512.Load(o), Vector512.Load(o + 16), Vector512.Load(o + 32), Vector512.Load(o + 48));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store4(float* o, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        a0.Store(o);
        a1.Store(o + 16);
        a2.Store(o + 32);
        a3.Store(o + 48);
    }

    /// <summary>
    /// The scores of four consecutive key rows for up to four query heads (<paramref name="rep"/>), to
    /// s[h·<paramref name="length"/> + 0…3]: sixteen accumulators, then one reduction of all sixteen at once, which costs
    /// about a third of sixteen separate horizontal sums (those had cost twice the multiply-adds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Scores4<TRow>(byte* k0, long rowBytes, float* q0, float* q1, float* q2, float* q3, int headDim, float scale,
        float* s, int length, int rep) where TRow : struct, IWideRow
    {
        byte* k1 = k0 + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes;
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
        for (int c = 0; c < headDim; c += 16)
        {
            var x0 = TRow.Load(k0, c); var x1 = TRow.Load(k1, c); var x2 = TRow.Load(k2, c); var x3 = TRow.Load(k3, c);
            (a00, a01, a02, a03) = F32Rows.Fma4(Vector512.Load(q0 + c), x0, x1, x2, x3, a00, a01, a02, a03);
            (a10, a11, a12, a13) = F32Rows.Fma4(Vector512.Load(q1 + c), x0, x1, x2, x3, a10, a11, a12, a13);
            (a20, a21, a22, a23) = F32Rows.Fma4(Vector512.Load(q2 + c), x0, x1, x2, x3, a20, a21, a22, a23);
            (a30, a31, a32, a33) = F32Rows.Fma4(Vector512.Load(q3 + c), x0, x1, x2, x3, a30, a31, a32, a33);
        }
        // lane 4h + i: head h's score for key i (rep < 4 computes copies of the last head's and drops them)
        var sums = Sum16(Sum4(a00, a01, a02, a03), Sum4(a10, a11, a12, a13), Sum4(a20, a21, a22, a23), Sum4(a30, a31, a32, a33)) * scale;
        Avx512F.ExtractVector128(sums, 0).Store(s);
        if (rep > 1) Avx512F.ExtractVector128(sums, 1).Store(s + length);
        if (rep > 2) Avx512F.ExtractVector128(sums, 2).Store(s + 2 * length);
        if (rep > 3) Avx512F.ExtractVector128(sums, 3).Store(s + 3 * length);
    }

    /// <summary>Four vectors' lanes added within each 128-bit lane: lane 4m + i holds part m of vector i's sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Sum4(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3)
    {
        // [v0, v1, v0, v1] then [v0, v1, v2, v3] per 128-bit lane, each element a partial sum
        var p01 = Avx512F.UnpackLow(v0, v1) + Avx512F.UnpackHigh(v0, v1);
        var p23 = Avx512F.UnpackLow(v2, v3) + Avx512F.UnpackHigh(v2, v3);
        return Avx512F.UnpackLow(p01.AsDouble(), p23.AsDouble()).AsSingle() + Avx512F.UnpackHigh(p01.AsDouble(), p23.AsDouble()).AsSingle();
    }

    /// <summary>Four <see cref="Sum4"/> results folded across their 128-bit lanes: lane 4g + i is vector i of group g's whole sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<float> Sum16(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, Vector512<float> g3)
    {
        // 0x88 takes 128-bit lanes 0, 2 of each source, 0xDD lanes 1, 3: adding them halves the partial sums
        var g01 = Avx512F.Shuffle4x128(g0, g1, 0x88) + Avx512F.Shuffle4x128(g0, g1, 0xDD);
        var g23 = Avx512F.Shuffle4x128(g2, g3, 0x88) + Avx512F.Shuffle4x128(g2, g3, 0xDD);
        return Avx512F.Shuffle4x128(g01, g23, 0x88) + Avx512F.Shuffle4x128(g01, g23, 0xDD);
    }

    /// <summary>Sixteen values of a cached row, from value <c>c</c> on, as float32.</summary>
    interface IWideRow
    {
        static abstract Vector512<float> Load(byte* row, int c);
    }

    readonly struct F32Row : IWideRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* row, int c) => Vector512.Load((float*)row + c);
    }

    readonly struct Bf16Row : IWideRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(byte* row, int c) =>
            Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load((ushort*)row + c).ToVector512Unsafe()), 16).AsSingle();
    }

    /// <summary>In place, vectorized: at depth a decode step takes tens of thousands of exponentials per head.</summary>
    static void Softmax(float* s, int n)
    {
        int j = 0;
        var mv = Vector256.Create(float.NegativeInfinity);
        for (; j + 8 <= n; j += 8) mv = Vector256.Max(mv, Vector256.Load(s + j));
        float max = float.NegativeInfinity;
        for (int i = 0; i < 8; i++) max = MathF.Max(max, mv[i]);
        for (; j < n; j++) max = MathF.Max(max, s[j]);
        var sub = Vector256.Create(max);
        var acc = Vector256<float>.Zero;
        for (j = 0; j + 8 <= n; j += 8)
        {
            var e = SoftmaxExp.Exp(Vector256.Load(s + j) - sub);
            e.Store(s + j);
            acc += e;
        }
        float sum = Vector256.Sum(acc);
        for (; j < n; j++)
        {
            s[j] = MathF.Exp(s[j] - max);
            sum += s[j];
        }
        var inv = Vector256.Create(1 / sum);
        for (j = 0; j + 8 <= n; j += 8) (Vector256.Load(s + j) * inv).Store(s + j);
        for (; j < n; j++) s[j] *= inv[0];
    }

    static float DotF32(float* q, byte* k, int n) => Dot(q, (float*)k, n);
    static void AxpyF32(float alpha, byte* v, float* o, int n) => Axpy(alpha, (float*)v, o, n);
    static float DotBf16(float* q, byte* k, int n) => Bf16.Dot(q, (ushort*)k, n);
    static void AxpyBf16(float alpha, byte* v, float* o, int n) => Bf16.Axpy(alpha, (ushort*)v, o, n);

    static float Dot(float* a, float* b, int n)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated && n % 16 == 0)
        {
            var acc512 = Vector512<float>.Zero;
            for (; c < n; c += 16) acc512 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c), Vector512.Load(b + c), acc512);
            return Vector512.Sum(acc512);
        }
        var acc = Vector256<float>.Zero;
        for (; c + 8 <= n; c += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Vector256.Load(b + c), acc);
        float sum = Vector256.Sum(acc);
        for (; c < n; c++) sum += a[c] * b[c];
        return sum;
    }

    static void Axpy(float alpha, float* x, float* y, int n)
    {
        int c = 0;
        if (Vector512.IsHardwareAccelerated && n % 16 == 0)
        {
            var a512 = Vector512.Create(alpha);
            for (; c < n; c += 16) Vector512.FusedMultiplyAdd(a512, Vector512.Load(x + c), Vector512.Load(y + c)).Store(y + c);
            return;
        }
        var a = Vector256.Create(alpha);
        for (; c + 8 <= n; c += 8) Vector256.FusedMultiplyAdd(a, Vector256.Load(x + c), Vector256.Load(y + c)).Store(y + c);
        for (; c < n; c++) y[c] += alpha * x[c];
    }
}
