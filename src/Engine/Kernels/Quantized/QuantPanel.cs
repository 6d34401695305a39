using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Batched decode on the 32-value formats in panels of eight weight rows (<see cref="QuantPanel{T}"/>): each panel packed
/// once, then every row of x passes over it four at a time.
/// </summary>
public static unsafe class QuantPanels
{
    /// <summary>Weight rows a panel takes; a range of rows not a multiple of it leaves the rest to the caller.</summary>
    public const int Rows = 8;

    /// <summary>
    /// Whether <paramref name="weightType"/> packs into panels (with AVX2): the 32-value formats, and Q4_K, whose
    /// sub-blocks of 32 are Q4_1 blocks with a scale d·sc and a minimum −dmin·m (<see cref="Q4_KPanel"/>). Q6_K's
    /// panels (its 16-value scales applied in the widening multiply-add) measured level with widening it: 12 integer
    /// multiplies per 32 values of eight rows leave little over F32's 16 FMAs once packing is paid (SmolLM3-3B Q4_K_M,
    /// 16 sequences, 21.2 → 21.6–21.8 tokens/s; SmolLM2-135M Q6_K 326–328 → 316–320).
    /// </summary>
    public static bool Takes(GgmlType weightType) => QuantDot.Tiles(weightType) || QuantDot.UsesAvx2 && weightType == GgmlType.Q4_K;

    /// <summary>
    /// The activation rows the panels of <paramref name="weightType"/> take: its dots' own for the 32-value formats;
    /// blocks of 32 with sums (Q8_1) for Q4_K.
    /// </summary>
    public static ActivationFormat ActivationFormatFor(GgmlType weightType) =>
        weightType == GgmlType.Q4_K ? ActivationFormat.Q8_1 : QuantDot.ActivationFormatFor(weightType);

    /// <summary>Bytes of the scratch one panel of <paramref name="columns"/> values takes.</summary>
    public static int ScratchBytes(int columns) => columns / 32 * QuantPanel<Q8_0Block>.BlockBytes;

    /// <summary>
    /// <paramref name="rows"/> (a multiple of <see cref="Rows"/>) weight rows <paramref name="stride"/> bytes apart against
    /// <paramref name="t"/> activation rows <paramref name="aStride"/> bytes apart, quantized as
    /// <see cref="QuantDot.QuantizeActivations"/> does for the type: row i of x's dot with weight row j to
    /// y[i·<paramref name="yStride"/> + j], through <paramref name="scratch"/> (<see cref="ScratchBytes"/>).
    /// </summary>
    public static void Multiply(GgmlType weightType, byte* w, long stride, int rows, byte* activations, int aStride, int columns, int t,
        float* y, int yStride, byte* scratch)
    {
        if (!Takes(weightType)) throw new NotSupportedException($"no panels for ggml type {weightType}");
        if (rows % Rows != 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"a multiple of {Rows}");
        if (columns <= 0 || columns % 32 != 0) throw new ArgumentException($"{weightType}: {columns} columns are not whole 32-value blocks", nameof(columns));
        switch (weightType)
        {
            case GgmlType.Q8_0: Run<QuantPanel<Q8_0Block>>(w, stride, rows, activations, aStride, columns / 32, t, y, yStride, scratch); break;
            case GgmlType.Q4_0: Run<QuantPanel<Q4_0Block>>(w, stride, rows, activations, aStride, columns / 32, t, y, yStride, scratch); break;
            case GgmlType.Q4_1: Run<QuantPanel<Q4_1Block>>(w, stride, rows, activations, aStride, columns / 32, t, y, yStride, scratch); break;
            case GgmlType.Q5_0: Run<QuantPanel<Q5_0Block>>(w, stride, rows, activations, aStride, columns / 32, t, y, yStride, scratch); break;
            case GgmlType.Q5_1: Run<QuantPanel<Q5_1Block>>(w, stride, rows, activations, aStride, columns / 32, t, y, yStride, scratch); break;
            case GgmlType.Q4_K:
                if (columns % 256 != 0) throw new ArgumentException($"{weightType}: {columns} columns are not whole 256-value blocks", nameof(columns));
                Run<Q4_KPanel>(w, stride, rows, activations, aStride, columns / 32, t, y, yStride, scratch);
                break;
        }
    }

    /// <summary>Each panel of eight rows packed once, then multiplied by the rows of x four at a time.</summary>
    static void Run<TPanel>(byte* w, long stride, int rows, byte* a, int aStride, int blocks, int t, float* y, int yStride, byte* panel)
        where TPanel : struct, IPanelPack
    {
        for (int r = 0; r < rows; r += Rows, w += Rows * stride)
        {
            TPanel.Pack(w, stride, blocks, panel);
            // the next panel's rows (contiguous) fetched while this one multiplies, a share before each pass: packing
            // eight rows side by side otherwise waits on memory (a profile of 16 sequences put a third of the panels'
            // time in packing), and asking for them all at once leaves the first pass waiting on the lines asked for
            int passes = (t + 3) / 4;
            long next = r + Rows < rows ? Rows * stride : 0, share = (next / 64 + passes - 1) / passes * 64;
            for (int i = 0; i < t; i += 4)
            {
                for (long at = i / 4 * share, end = Math.Min(next, at + share); at < end; at += 64) Sse.Prefetch0(w + next + at);
                byte* ai = a + (long)i * aStride;
                float* yi = y + (long)i * yStride + r;
                switch (Math.Min(4, t - i))
                {
                    case 4: TPanel.Multiply<FourRows>(panel, blocks, ai, aStride, yi, yStride); break;
                    case 3: TPanel.Multiply<ThreeRows>(panel, blocks, ai, aStride, yi, yStride); break;
                    case 2: TPanel.Multiply<TwoRows>(panel, blocks, ai, aStride, yi, yStride); break;
                    default: TPanel.Multiply<OneRow>(panel, blocks, ai, aStride, yi, yStride); break;
                }
            }
        }
    }
}

/// <summary>
/// Batched decode on a 32-value format without widening to F32: eight weight rows' blocks unpacked to bytes once per
/// step and interleaved four values at a time (<see cref="Pack"/>: lane r of a vector holds row r's four), so one
/// activation's four bytes, broadcast, meet all eight rows in one <c>vpmaddubsw</c> and every lane accumulates one output:
/// no sums across lanes. A block costs eight byte multiplies per row of x for eight weight rows where F32 tiles take 32
/// FMAs. The integer sums are exact, as in <see cref="QuantDot.Dot"/>; only the float order of the blocks' scaled sums
/// differs.
/// </summary>
internal unsafe struct QuantPanel<T> : IPanelPack where T : struct, ILegacyBlock
{
    /// <summary>Weight rows in a panel: the int lanes of a 256-bit vector.</summary>
    public const int Rows = 8;

    /// <summary>A packed block: 8 chunks × 8 rows × 4 bytes, then the rows' scales d, then what their integer 0 stands for.</summary>
    public const int BlockBytes = 256 + 2 * Rows * sizeof(float);

    static ActivationFormat Format
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => T.Signed ? ActivationFormat.Q8_0 : T.NibbleOffset >= 0 ? ActivationFormat.Q8_1Paired : ActivationFormat.Q8_1;
    }

    /// <summary>
    /// Eight weight rows <paramref name="stride"/> bytes apart, <paramref name="blocks"/> blocks each, into
    /// <paramref name="panel"/> (<see cref="BlockBytes"/> per block): each block's 32 integers (unsigned for the unsigned
    /// formats, as <see cref="ILegacyBlock.Values"/> gives them) as eight ints of four bytes, transposed so chunk k of
    /// all eight rows is one vector.
    /// </summary>
    public static void Pack(byte* w, long stride, int blocks, byte* panel)
    {
        if (!T.Signed)
        {
            PackNibbles(w, stride, blocks, panel);
            return;
        }
        int* values = stackalloc int[Rows * Rows];
        for (int b = 0; b < blocks; b++, panel += BlockBytes)
        {
            byte* block = w + (long)b * T.Bytes;
            for (int r = 0; r < Rows; r++) T.Values(block + r * stride).AsInt32().Store(values + Rows * r);
            Transpose8.Block((float*)values, Rows, (float*)panel, Rows);
            float* scales = (float*)(panel + 256);
            var d = HalfBits.ToSingle8Gathered(block, (int)stride);
            d.Store(scales);
            (T.Signed ? default : T.HasMin ? HalfBits.ToSingle8Gathered(block + 2, (int)stride) : d * -T.Offset).Store(scales + Rows);
        }
    }

    /// <summary>
    /// <see cref="Pack"/> for the nibble formats, straight from the 16 bytes of nibbles: their four 4-byte groups of the
    /// eight rows transposed (rows r and r + 4 in one vector's halves), group k's low nibbles are chunk k and its high
    /// ones chunk k + 4; Q5_0 and Q5_1 add each value's fifth bit from its row's mask, a chunk's four bits spread to
    /// its four bytes by one byte shuffle and compare. Packing alone, per product of 16 rows of x, against unpacking each
    /// row's 32 values and transposing them as ints (Q4_0, Q5_0, 576 columns, one thread): 2.1× and 1.8× the rate.
    /// </summary>
    static void PackNibbles(byte* w, long stride, int blocks, byte* panel)
    {
        int nibblesAt = T.FifthBitsAt >= 0 ? T.FifthBitsAt + 4 : T.NibbleOffset;
        long below = 4 * stride;
        for (int b = 0; b < blocks; b++, panel += BlockBytes)
        {
            byte* block = w + (long)b * T.Bytes, q = block + nibblesAt;
            var v0 = Vector256.Create(Vector128.Load(q), Vector128.Load(q + below)).AsInt32();
            var v1 = Vector256.Create(Vector128.Load(q + stride), Vector128.Load(q + stride + below)).AsInt32();
            var v2 = Vector256.Create(Vector128.Load(q + 2 * stride), Vector128.Load(q + 2 * stride + below)).AsInt32();
            var v3 = Vector256.Create(Vector128.Load(q + 3 * stride), Vector128.Load(q + 3 * stride + below)).AsInt32();
            var t0 = Avx2.UnpackLow(v0, v1).AsInt64(); var t1 = Avx2.UnpackHigh(v0, v1).AsInt64();
            var t2 = Avx2.UnpackLow(v2, v3).AsInt64(); var t3 = Avx2.UnpackHigh(v2, v3).AsInt64();
            var masks = T.FifthBitsAt >= 0 ? Gather(block + T.FifthBitsAt, stride) : default;
            Chunks(Avx2.UnpackLow(t0, t2).AsByte(), masks, 0, panel);
            Chunks(Avx2.UnpackHigh(t0, t2).AsByte(), masks, 1, panel);
            Chunks(Avx2.UnpackLow(t1, t3).AsByte(), masks, 2, panel);
            Chunks(Avx2.UnpackHigh(t1, t3).AsByte(), masks, 3, panel);
            float* scales = (float*)(panel + 256);
            var d = HalfBits.ToSingle8Gathered(block, (int)stride);
            d.Store(scales);
            (T.HasMin ? HalfBits.ToSingle8Gathered(block + 2, (int)stride) : d * -T.Offset).Store(scales + Rows);
        }
    }

    /// <summary>Byte group <paramref name="k"/> of eight rows' nibbles stored as chunks k (low nibbles) and k + 4 (high), fifth bits added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Chunks(Vector256<byte> group, Vector256<byte> masks, int k, byte* panel)
    {
        var low4 = Vector256.Create((byte)0x0F);
        var lowChunk = group & low4;
        var highChunk = Vector256.ShiftRightLogical(group.AsUInt16(), 4).AsByte() & low4;
        if (T.FifthBitsAt >= 0)
        {
            lowChunk |= FifthBits(masks, k);
            highChunk |= FifthBits(masks, k + 4);
        }
        lowChunk.Store(panel + 32 * k);
        highChunk.Store(panel + 32 * (k + 4));
    }

    /// <summary>The 32-bit masks at <paramref name="p"/> of eight rows <paramref name="stride"/> bytes apart, lane r for row r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<byte> Gather(byte* p, long stride) => Vector256.Create(
        Unsafe.ReadUnaligned<uint>(p), Unsafe.ReadUnaligned<uint>(p + stride), Unsafe.ReadUnaligned<uint>(p + 2 * stride),
        Unsafe.ReadUnaligned<uint>(p + 3 * stride), Unsafe.ReadUnaligned<uint>(p + 4 * stride), Unsafe.ReadUnaligned<uint>(p + 5 * stride),
        Unsafe.ReadUnaligned<uint>(p + 6 * stride), Unsafe.ReadUnaligned<uint>(p + 7 * stride)).AsByte();

    /// <summary>0x10 in byte i of lane r where value 4·<paramref name="chunk"/> + i of row r has its fifth bit set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<byte> FifthBits(Vector256<byte> masks, int chunk)
    {
        // bits 4·chunk … 4·chunk + 3 lie in byte chunk / 2 of each lane, in its low or high half
        var lanes = Vector256.Create((byte)0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12, 0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12);
        var spread = Avx2.Shuffle(masks, lanes + Vector256.Create((byte)(chunk >> 1)));
        var select = (chunk & 1) == 0 ? Vector256.Create(0x08040201u).AsByte() : Vector256.Create(0x80402010u).AsByte();
        return Avx2.CompareEqual(spread & select, select) & Vector256.Create((byte)0x10);
    }

    /// <summary>
    /// The panel's eight rows against <typeparamref name="TRows"/> (1–4) activation rows <paramref name="aStride"/> bytes
    /// apart: row i's eight dots to y + i·<paramref name="yStride"/>.
    /// </summary>
    public static void Multiply<TRows>(byte* panel, int blocks, byte* a, int aStride, float* y, int yStride) where TRows : struct, IRowCount
    {
        var row0 = ActivationRow.Of(Format, a, blocks);
        long scaleStep = aStride / sizeof(float);
        float* s0 = row0.Scales, c0 = row0.BlockSums;
        sbyte* q0 = row0.Quants;
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (int b = 0; b < blocks; b++, panel += BlockBytes)
        {
            int low = (int)(row0.Low(b) - q0);
            int high = low + (Paired(row0, b) ? 32 : 16);
            Sums<TRows>(panel, q0 + low, q0 + high, aStride, out var i0, out var i1, out var i2, out var i3);
            var dw = Vector256.Load((float*)(panel + 256));
            var mins = Vector256.Load((float*)(panel + 256) + Rows);
            acc0 = Scale(acc0, i0, dw, mins, s0, c0, b);
            if (TRows.Count > 1) acc1 = Scale(acc1, i1, dw, mins, s0 + scaleStep, c0 + scaleStep, b);
            if (TRows.Count > 2) acc2 = Scale(acc2, i2, dw, mins, s0 + 2 * scaleStep, c0 + 2 * scaleStep, b);
            if (TRows.Count > 3) acc3 = Scale(acc3, i3, dw, mins, s0 + 3 * scaleStep, c0 + 3 * scaleStep, b);
        }
        acc0.Store(y);
        if (TRows.Count > 1) acc1.Store(y + yStride);
        if (TRows.Count > 2) acc2.Store(y + 2L * yStride);
        if (TRows.Count > 3) acc3.Store(y + 3L * yStride);
    }

    /// <summary>acc + Σ·d·d_x, plus, for the unsigned formats, what their integer 0 stands for times d_x·Σ q_x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Scale(Vector256<float> acc, Vector256<int> sums, Vector256<float> dw, Vector256<float> mins, float* scales, float* blockSums, int b)
    {
        acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), dw * Vector256.Create(scales[b]), acc);
        return T.Signed ? acc : Fma.MultiplyAdd(mins, Vector256.Create(blockSums[b]), acc);
    }

    /// <summary>
    /// Four bytes of activations at <paramref name="q"/> in every int lane, broadcast from memory (a load, where a shuffle
    /// of 16 loaded bytes took a vector instruction: 48.4 → 50.2–50.9 G products/s, Q4_0 576 columns by 16 rows of x, one thread).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> Broadcast(sbyte* q) => Vector256.Create(Unsafe.ReadUnaligned<int>(q)).AsSByte();

    /// <summary>
    /// A block's integer sums for up to four rows of x, <paramref name="low"/> at values 0–15 of row 0's block and
    /// <paramref name="high"/> at 16–31. The unsigned formats' products (values below 16 or 32 times bytes of at most 127
    /// in magnitude) add in shorts over eight chunks (8·2·15·127 &lt; 32768) or four (4·2·31·127) and widen once; the
    /// signed ones multiply |q| by x carrying q's sign and widen every chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Sums<TRows>(byte* panel, sbyte* low, sbyte* high, int aStride,
        out Vector256<int> i0, out Vector256<int> i1, out Vector256<int> i2, out Vector256<int> i3) where TRows : struct, IRowCount
    {
        var one = Vector256<short>.One;
        if (T.Signed)
        {
            // unrolled by hand: as a loop over the chunks the JIT kept the chunk's address choice and the loop in the way
            i0 = i1 = i2 = i3 = default;
            SignedChunk<TRows>(panel, low, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 32, low + 4, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 64, low + 8, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 96, low + 12, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 128, high, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 160, high + 4, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 192, high + 8, aStride, ref i0, ref i1, ref i2, ref i3);
            SignedChunk<TRows>(panel + 224, high + 12, aStride, ref i0, ref i1, ref i2, ref i3);
            return;
        }
        // chunk by chunk, each chunk loaded once for every row of x (as a whole block per row of x, the JIT kept the
        // block's eight chunks in registers and spilled the sums)
        Vector256<short> h0 = default, h1 = default, h2 = default, h3 = default;
        UnsignedChunk<TRows>(panel, low, aStride, ref h0, ref h1, ref h2, ref h3);
        UnsignedChunk<TRows>(panel + 32, low + 4, aStride, ref h0, ref h1, ref h2, ref h3);
        UnsignedChunk<TRows>(panel + 64, low + 8, aStride, ref h0, ref h1, ref h2, ref h3);
        UnsignedChunk<TRows>(panel + 96, low + 12, aStride, ref h0, ref h1, ref h2, ref h3);
        if (T.FifthBitsAt < 0)   // four-bit values: all eight chunks in one short
        {
            UnsignedChunk<TRows>(panel + 128, high, aStride, ref h0, ref h1, ref h2, ref h3);
            UnsignedChunk<TRows>(panel + 160, high + 4, aStride, ref h0, ref h1, ref h2, ref h3);
            UnsignedChunk<TRows>(panel + 192, high + 8, aStride, ref h0, ref h1, ref h2, ref h3);
            UnsignedChunk<TRows>(panel + 224, high + 12, aStride, ref h0, ref h1, ref h2, ref h3);
            i0 = Avx2.MultiplyAddAdjacent(h0, one);
            i1 = TRows.Count > 1 ? Avx2.MultiplyAddAdjacent(h1, one) : default;
            i2 = TRows.Count > 2 ? Avx2.MultiplyAddAdjacent(h2, one) : default;
            i3 = TRows.Count > 3 ? Avx2.MultiplyAddAdjacent(h3, one) : default;
            return;
        }
        Vector256<short> g0 = default, g1 = default, g2 = default, g3 = default;
        UnsignedChunk<TRows>(panel + 128, high, aStride, ref g0, ref g1, ref g2, ref g3);
        UnsignedChunk<TRows>(panel + 160, high + 4, aStride, ref g0, ref g1, ref g2, ref g3);
        UnsignedChunk<TRows>(panel + 192, high + 8, aStride, ref g0, ref g1, ref g2, ref g3);
        UnsignedChunk<TRows>(panel + 224, high + 12, aStride, ref g0, ref g1, ref g2, ref g3);
        i0 = Avx2.MultiplyAddAdjacent(h0, one) + Avx2.MultiplyAddAdjacent(g0, one);
        i1 = TRows.Count > 1 ? Avx2.MultiplyAddAdjacent(h1, one) + Avx2.MultiplyAddAdjacent(g1, one) : default;
        i2 = TRows.Count > 2 ? Avx2.MultiplyAddAdjacent(h2, one) + Avx2.MultiplyAddAdjacent(g2, one) : default;
        i3 = TRows.Count > 3 ? Avx2.MultiplyAddAdjacent(h3, one) + Avx2.MultiplyAddAdjacent(g3, one) : default;
    }

    /// <summary>One chunk of unsigned values against up to four rows of x, added to their shorts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void UnsignedChunk<TRows>(byte* chunk, sbyte* q, int aStride, ref Vector256<short> c0, ref Vector256<short> c1, ref Vector256<short> c2, ref Vector256<short> c3)
        where TRows : struct, IRowCount
    {
        var w = Vector256.Load(chunk);
        c0 += Avx2.MultiplyAddAdjacent(w, Broadcast(q));
        if (TRows.Count > 1) c1 += Avx2.MultiplyAddAdjacent(w, Broadcast(q + aStride));
        if (TRows.Count > 2) c2 += Avx2.MultiplyAddAdjacent(w, Broadcast(q + 2 * aStride));
        if (TRows.Count > 3) c3 += Avx2.MultiplyAddAdjacent(w, Broadcast(q + 3 * aStride));
    }

    /// <summary>
    /// One chunk of signed values against up to four rows of x: |q| times x carrying q's sign, widened (two products of
    /// up to 127·127 fill a short) and added to the ints.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void SignedChunk<TRows>(byte* chunk, sbyte* q, int aStride, ref Vector256<int> i0, ref Vector256<int> i1, ref Vector256<int> i2, ref Vector256<int> i3)
        where TRows : struct, IRowCount
    {
        var one = Vector256<short>.One;
        var w = Vector256.Load((sbyte*)chunk);
        var m = Avx2.Abs(w);
        i0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(m, Avx2.Sign(Broadcast(q), w)), one);
        if (TRows.Count > 1) i1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(m, Avx2.Sign(Broadcast(q + aStride), w)), one);
        if (TRows.Count > 2) i2 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(m, Avx2.Sign(Broadcast(q + 2 * aStride), w)), one);
        if (TRows.Count > 3) i3 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(m, Avx2.Sign(Broadcast(q + 3 * aStride), w)), one);
    }

    /// <summary>Whether block <paramref name="b"/> of <paramref name="x"/> lies in pair order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Paired(ActivationRow x, int b) => Format == ActivationFormat.Q8_1Paired && b < x.PairedBlocks;
}
