using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// The loops over 32-value blocks shared by Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0 weights. The unsigned formats multiply
/// their raw integers u (no −8 or −16 per value) and add the blocks' constant part m·d_x·Σ q_x once per block.
/// </summary>
internal static unsafe class LegacyKernel<T> where T : struct, ILegacyBlock
{
    static ActivationFormat Format
    {
        // inlined so the JIT folds it per format (a profile of row-by-row decode found it called once per row)
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => T.Signed ? ActivationFormat.Q8_0 : T.NibbleOffset >= 0 ? ActivationFormat.Q8_1Paired : ActivationFormat.Q8_1;
    }

    /// <summary>
    /// One weight row against one activation row, eight blocks a turn (then four, then one): their scales converted
    /// together, four accumulators (no FMA waits on the previous one), the row read front to back. Decode of one sequence takes its rows this
    /// way: a single stream is what a core's prefetchers follow best (docs/benchmarks.md).
    /// </summary>
    public static float Simd(byte* w, byte* a, int blocks) => Row(w, ActivationRow.Of(Format, a, blocks), blocks);

    /// <summary>
    /// <see cref="Simd"/> for <paramref name="rows"/> weight rows <paramref name="stride"/> bytes apart, one after another,
    /// into y[0..rows): the same sums, one call for a run of rows (SmolLM2-135M's rows are 18 blocks, so a call per row
    /// was a visible share of the step).
    /// </summary>
    public static void SimdRun(byte* w, long stride, byte* a, int blocks, int rows, float* y)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        for (int r = 0; r < rows; r++, w += stride) y[r] = Row(w, x, blocks);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Row(byte* w, ActivationRow x, int blocks)
    {
        float* scales = x.Scales, blockSums = x.BlockSums;
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        var constants = Vector128<float>.Zero;
        int b = 0;
        {
            // eight blocks a turn, their scales converted in one vector (the conversion was a third of a Q4_0 row's
            // instructions at four): four pairs of blocks (nibble formats) or eight blocks in four accumulators
            var constants8 = Vector256<float>.Zero;
            for (; b + 8 <= blocks; b += 8)
            {
                byte* w0 = w + b * T.Bytes;
                for (int l = 0; l < 8 * T.Bytes; l += 64) Sse.Prefetch0(w0 + Prefetch.Distance + l);
                var dw = HalfBits.ToSingle8(w0, T.Bytes);
                if (!T.Signed)
                    constants8 = Fma.MultiplyAdd(T.HasMin ? HalfBits.ToSingle8(w0 + 2, T.Bytes) : dw * -T.Offset, Vector256.Load(blockSums + b), constants8);
                var d = dw * Vector256.Load(scales + b);
                sbyte* q = x.Quants + 32 * b;
                if (T.NibbleOffset < 0)
                {
                    acc0 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(0)), Sums(w0, q), acc0);
                    acc1 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(1)), Sums(w0 + T.Bytes, q + 32), acc1);
                    acc2 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(2)), Sums(w0 + 2 * T.Bytes, q + 64), acc2);
                    acc3 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(3)), Sums(w0 + 3 * T.Bytes, q + 96), acc3);
                    acc0 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(4)), Sums(w0 + 4 * T.Bytes, q + 128), acc0);
                    acc1 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(5)), Sums(w0 + 5 * T.Bytes, q + 160), acc1);
                    acc2 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(6)), Sums(w0 + 6 * T.Bytes, q + 192), acc2);
                    acc3 = SimdBytes.ScaleAdd(Avx2.PermuteVar8x32(d, Vector256.Create(7)), Sums(w0 + 7 * T.Bytes, q + 224), acc3);
                    continue;
                }
                // blocks j and j + 4 in one vector, their activations in pair order (ActivationFormat.Q8_1Paired); each
                // block's four partial sums then added across the pairs, lane k for block b + k: one conversion and FMA
                byte* n0 = w0 + T.NibbleOffset;
                var s0 = PairSums(n0, n0 + 4 * T.Bytes, q);
                var s1 = PairSums(n0 + T.Bytes, n0 + 5 * T.Bytes, q + 64);
                var s2 = PairSums(n0 + 2 * T.Bytes, n0 + 6 * T.Bytes, q + 128);
                var s3 = PairSums(n0 + 3 * T.Bytes, n0 + 7 * T.Bytes, q + 192);
                acc0 = SimdBytes.ScaleAdd(d, Avx2.HorizontalAdd(Avx2.HorizontalAdd(s0, s1), Avx2.HorizontalAdd(s2, s3)), acc0);
            }
            constants = constants8.GetLower() + constants8.GetUpper();
        }
        for (; b + 4 <= blocks; b += 4)
        {
            byte* w0 = w + b * T.Bytes, w1 = w0 + T.Bytes, w2 = w1 + T.Bytes, w3 = w2 + T.Bytes;
            for (int l = 0; l < 4 * T.Bytes; l += 64) Sse.Prefetch0(w0 + Prefetch.Distance + l);
            var (dw, mins) = Scales4(w0, w1, w2, w3);
            if (!T.Signed) constants = Fma.MultiplyAdd(mins, Vector128.Load(blockSums + b), constants);
            var d = dw * Vector128.Load(scales + b);
            sbyte* q = x.Quants + 32 * b;
            if (T.NibbleOffset >= 0)
            {
                // Two blocks in one vector (b in the low lane, b + 1 in the high).
                var wide = d.ToVector256Unsafe();
                acc0 = Pair(w0 + T.NibbleOffset, w1 + T.NibbleOffset, Halves(q, q + 32), Halves(q + 16, q + 48),
                    Avx2.PermuteVar8x32(wide, Vector256.Create(0, 0, 0, 0, 1, 1, 1, 1)), acc0);
                acc1 = Pair(w2 + T.NibbleOffset, w3 + T.NibbleOffset, Halves(q + 64, q + 96), Halves(q + 80, q + 112),
                    Avx2.PermuteVar8x32(wide, Vector256.Create(2, 2, 2, 2, 3, 3, 3, 3)), acc1);
            }
            else
            {
                acc0 = SimdBytes.ScaleAdd(Avx2.BroadcastScalarToVector256(d), Sums(w0, q), acc0);
                acc1 = SimdBytes.ScaleAdd(Avx2.BroadcastScalarToVector256(Avx.Permute(d, 0b01_01_01_01)), Sums(w1, q + 32), acc1);
                acc2 = SimdBytes.ScaleAdd(Avx2.BroadcastScalarToVector256(Avx.Permute(d, 0b10_10_10_10)), Sums(w2, q + 64), acc2);
                acc3 = SimdBytes.ScaleAdd(Avx2.BroadcastScalarToVector256(Avx.Permute(d, 0b11_11_11_11)), Sums(w3, q + 96), acc3);
            }
        }
        float constant = 0;
        for (; b < blocks; b++) acc0 = Block(w + b * T.Bytes, x, b, acc0, ref constant);
        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3)) + Vector128.Sum(constants) + constant;
    }

    /// <summary>Two 16-byte halves of activation blocks as one vector (the low lane from <paramref name="low"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> Halves(sbyte* low, sbyte* high) => Vector256.Create(Vector128.Load(low), Vector128.Load(high));

    /// <summary>
    /// The F16 scales d of four rows' blocks and, for the unsigned formats, what their integer 0 stands for (the stored
    /// minimum or −Offset·d); the same bytes of the next pass prefetched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector128<float> D, Vector128<float> Min) BlockScales4(byte* w0, byte* w1, byte* w2, byte* w3, long ahead)
    {
        Sse.Prefetch0(w0 + ahead);
        Sse.Prefetch0(w1 + ahead);
        Sse.Prefetch0(w2 + ahead);
        Sse.Prefetch0(w3 + ahead);
        return Scales4(w0, w1, w2, w3);
    }

    /// <summary>The F16 scales d of four blocks and, for the unsigned formats, what their integer 0 stands for.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector128<float> D, Vector128<float> Min) Scales4(byte* w0, byte* w1, byte* w2, byte* w3)
    {
        var d = HalfBits.ToSingle(w0, w1, w2, w3);
        var min = T.Signed ? default : T.HasMin ? HalfBits.ToSingle(w0 + 2, w1 + 2, w2 + 2, w3 + 2) : d * -T.Offset;
        return (d, min);
    }

    /// <summary>
    /// Σ u·x of the nibble blocks at <paramref name="qsA"/> (low lane) and <paramref name="qsB"/> (high lane), four partial
    /// sums each, against 64 bytes of activations in pair order: both blocks' first 16, then both blocks' last 16.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> PairSums(byte* qsA, byte* qsB, sbyte* x)
    {
        var packed = Vector256.Create(Vector128.Load(qsA), Vector128.Load(qsB));
        var nibble = Vector256.Create((byte)0x0F);
        return SimdBytes.MulSum(packed & nibble, Vector256.Load(x), Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & nibble, Vector256.Load(x + 32));
    }

    /// <summary>acc + d·Σ u·x for two rows' nibble blocks at <paramref name="qsA"/> (low lane) and <paramref name="qsB"/> (high lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Pair(byte* qsA, byte* qsB, Vector256<sbyte> xLow, Vector256<sbyte> xHigh, Vector256<float> d, Vector256<float> acc)
    {
        var packed = Vector256.Create(Vector128.Load(qsA), Vector128.Load(qsB));
        var nibble = Vector256.Create((byte)0x0F);
        var sums = SimdBytes.MulSum(packed & nibble, xLow, Vector256.ShiftRightLogical(packed.AsUInt16(), 4).AsByte() & nibble, xHigh);
        return SimdBytes.ScaleAdd(d, sums, acc);
    }

    /// <summary>
    /// <typeparamref name="TRows"/> activation rows <paramref name="stride"/> bytes apart against one weight row: each
    /// weight block unpacked once for all of them (batched decode); lane i of the result is row i's dot.
    /// </summary>
    public static Vector128<float> SimdRows<TRows>(byte* w, byte* a, int stride, int blocks) where TRows : struct, IRowCount
    {
        var x = ActivationRow.Of(Format, a, blocks);
        float* s0 = x.Scales, s1 = (float*)((byte*)s0 + stride), s2 = (float*)((byte*)s1 + stride), s3 = (float*)((byte*)s2 + stride);
        float* c0 = x.BlockSums, c1 = (float*)((byte*)c0 + stride), c2 = (float*)((byte*)c1 + stride), c3 = (float*)((byte*)c2 + stride);
        Vector256<float> acc0 = Vector256<float>.Zero, acc1 = acc0, acc2 = acc0, acc3 = acc0;
        float constant0 = 0, constant1 = 0, constant2 = 0, constant3 = 0;
        byte* block = w;
        for (int b = 0; b < blocks; b++, block += T.Bytes)
        {
            var values = T.Values(block);
            var magnitudes = Magnitudes(values);
            float d = HalfBits.ToSingle(block);
            float m = T.Signed ? 0 : Min(block, d);
            sbyte* q = XLow(x, b);
            bool paired = Paired(x, b);
            acc0 = SimdBytes.ScaleAdd(d * s0[b], Times(magnitudes, values, X(q, paired)), acc0);
            acc1 = SimdBytes.ScaleAdd(d * s1[b], Times(magnitudes, values, X(q + stride, paired)), acc1);
            if (!T.Signed) (constant0, constant1) = (constant0 + m * c0[b], constant1 + m * c1[b]);
            if (TRows.Count > 2)
            {
                acc2 = SimdBytes.ScaleAdd(d * s2[b], Times(magnitudes, values, X(q + 2 * stride, paired)), acc2);
                if (!T.Signed) constant2 += m * c2[b];
            }
            if (TRows.Count > 3)
            {
                acc3 = SimdBytes.ScaleAdd(d * s3[b], Times(magnitudes, values, X(q + 3 * stride, paired)), acc3);
                if (!T.Signed) constant3 += m * c3[b];
            }
        }
        return SimdBytes.Sum4(acc0, acc1, acc2, acc3) + Vector128.Create(constant0, constant1, constant2, constant3);
    }

    /// <summary>
    /// Four weight rows <paramref name="stride"/> bytes apart against <typeparamref name="TRows"/> (2–4) activation rows
    /// <paramref name="aStride"/> bytes apart (batched decode): each weight block unpacked once for all the rows of x and
    /// each activation block loaded once for all four weight rows. A block's integer sums of eight (weight row, x row)
    /// pairs are added across lanes into one vector, lane k for pair k, then converted and scaled by one FMA: per pair a
    /// block costs its byte products and an eighth of the reduction, not a conversion, a multiply and an FMA of its own.
    /// Row i's four dots go to y + i·<paramref name="yStride"/>; each pair has a lane of its own whatever the tile, so a
    /// sequence's result does not depend on how many (two or more) share its step.
    /// </summary>
    public static void Tile4<TRows>(byte* w, long stride, byte* a, int aStride, int blocks, float* y, int yStride) where TRows : struct, IRowCount
    {
        var row0 = ActivationRow.Of(Format, a, blocks);
        long scaleStep = aStride / sizeof(float);
        float* s0 = row0.Scales, s1 = s0 + scaleStep, s2 = s1 + scaleStep, s3 = s2 + scaleStep;
        float* c0 = row0.BlockSums, c1 = c0 + scaleStep, c2 = c1 + scaleStep, c3 = c2 + scaleStep;
        sbyte* q0 = row0.Quants, q1 = q0 + aStride, q2 = q1 + aStride, q3 = q2 + aStride;
        byte* w0 = w, w1 = w + stride, w2 = w + 2 * stride, w3 = w + 3 * stride;
        // lanes 0–3: x row 0 (or 2) against weight rows 0–3; lanes 4–7: x row 1 (or 3)
        Vector256<float> acc01 = default, acc23 = default, k01 = default, k23 = default;
        long ahead = Prefetch.Ahead(stride);
        for (int b = 0, o = 0; b < blocks; b++, o += T.Bytes)
        {
            var (dw, mins) = BlockScales4(w0 + o, w1 + o, w2 + o, w3 + o, ahead);
            var v0 = T.Values(w0 + o); var v1 = T.Values(w1 + o); var v2 = T.Values(w2 + o); var v3 = T.Values(w3 + o);
            var m0 = Magnitudes(v0); var m1 = Magnitudes(v1); var m2 = Magnitudes(v2); var m3 = Magnitudes(v3);
            var d = Vector256.Create(dw, dw);
            int at = XAt(row0, b);
            bool paired = Paired(row0, b);
            var sums = Sums8(m0, m1, m2, m3, v0, v1, v2, v3, X(q0 + at, paired), X(q1 + at, paired));
            acc01 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), d * Spread(s0[b], s1[b]), acc01);
            if (!T.Signed) k01 = Fma.MultiplyAdd(Vector256.Create(mins, mins), Spread(c0[b], c1[b]), k01);
            if (TRows.Count > 2)
            {
                float s3b = TRows.Count > 3 ? s3[b] : 0f, c3b = TRows.Count > 3 && !T.Signed ? c3[b] : 0f;   // Q8_0 rows have no block sums
                var x2 = X(q2 + at, paired);
                sums = Sums8(m0, m1, m2, m3, v0, v1, v2, v3, x2, TRows.Count > 3 ? X(q3 + at, paired) : x2);
                acc23 = Fma.MultiplyAdd(Avx.ConvertToVector256Single(sums), d * Spread(s2[b], s3b), acc23);
                if (!T.Signed) k23 = Fma.MultiplyAdd(Vector256.Create(mins, mins), Spread(c2[b], c3b), k23);
            }
        }
        acc01 += k01;
        acc01.GetLower().Store(y);
        acc01.GetUpper().Store(y + yStride);
        if (TRows.Count > 2)
        {
            acc23 += k23;
            acc23.GetLower().Store(y + 2L * yStride);
            if (TRows.Count > 3) acc23.GetUpper().Store(y + 3L * yStride);
        }
    }

    /// <summary>
    /// Four weight blocks (<paramref name="m0"/>… as <see cref="Magnitudes"/> gives them) against two activation blocks,
    /// lane k for weight row k % 4 against <paramref name="xA"/> (k &lt; 4) or <paramref name="xB"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Sums8(Vector256<byte> m0, Vector256<byte> m1, Vector256<byte> m2, Vector256<byte> m3,
        Vector256<sbyte> v0, Vector256<sbyte> v1, Vector256<sbyte> v2, Vector256<sbyte> v3, Vector256<sbyte> xA, Vector256<sbyte> xB)
    {
        if (!T.Signed && !AvxVnni.IsSupported)
        {
            // unsigned integers below 32: two rounds of adding neighbouring shorts keep each within 8·31·127 < 32768,
            // so two widenings to ints serve the eight pairs where each pair took one
            var a = Avx2.HorizontalAdd(Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(m0, xA), Avx2.MultiplyAddAdjacent(m1, xA)),
                Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(m2, xA), Avx2.MultiplyAddAdjacent(m3, xA)));
            var b = Avx2.HorizontalAdd(Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(m0, xB), Avx2.MultiplyAddAdjacent(m1, xB)),
                Avx2.HorizontalAdd(Avx2.MultiplyAddAdjacent(m2, xB), Avx2.MultiplyAddAdjacent(m3, xB)));
            return AddHalves(Avx2.MultiplyAddAdjacent(a, Vector256<short>.One), Avx2.MultiplyAddAdjacent(b, Vector256<short>.One));
        }
        return Lanes8(Times(m0, v0, xA), Times(m1, v1, xA), Times(m2, v2, xA), Times(m3, v3, xA),
            Times(m0, v0, xB), Times(m1, v1, xB), Times(m2, v2, xB), Times(m3, v3, xB));
    }

    /// <summary>
    /// Eight pairs' partial sums (8 ints each) as one vector of their totals: lanes 0–3 for <paramref name="a0"/>–<paramref name="a3"/>,
    /// 4–7 for <paramref name="b0"/>–<paramref name="b3"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Lanes8(Vector256<int> a0, Vector256<int> a1, Vector256<int> a2, Vector256<int> a3,
        Vector256<int> b0, Vector256<int> b1, Vector256<int> b2, Vector256<int> b3)
    {
        // each 128-bit half: lane k holds pair k's sum over that half's four partials
        var a = Avx2.HorizontalAdd(Avx2.HorizontalAdd(a0, a1), Avx2.HorizontalAdd(a2, a3));
        var b = Avx2.HorizontalAdd(Avx2.HorizontalAdd(b0, b1), Avx2.HorizontalAdd(b2, b3));
        return AddHalves(a, b);
    }

    /// <summary>Each vector's two 128-bit halves added: <paramref name="a"/>'s sums in the low half, <paramref name="b"/>'s in the high.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> AddHalves(Vector256<int> a, Vector256<int> b) => Avx2.Permute2x128(a, b, 0x20) + Avx2.Permute2x128(a, b, 0x31);

    /// <summary><paramref name="low"/> in the four low lanes, <paramref name="high"/> in the four high ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Spread(float low, float high) => Vector256.Create(Vector128.Create(low), Vector128.Create(high));

    /// <summary>Whether block <paramref name="b"/> of <paramref name="x"/> lies in pair order (a JIT-time false for the formats without it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool Paired(ActivationRow x, int b) => Format == ActivationFormat.Q8_1Paired && b < x.PairedBlocks;

    /// <summary>Where block <paramref name="b"/>'s first 16 bytes lie: a JIT-time choice, so the formats in block order pay no test.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static sbyte* XLow(ActivationRow x, int b) => x.Quants + XAt(x, b);

    /// <summary><see cref="XLow"/> as an offset from the row's first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int XAt(ActivationRow x, int b) => Format == ActivationFormat.Q8_1Paired ? (int)(x.Low(b) - x.Quants) : 32 * b;

    /// <summary>An activation block's 32 bytes in order from where its first 16 lie (<see cref="ActivationRow.Low"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<sbyte> X(sbyte* low, bool paired) => paired ? Halves(low, low + 32) : Vector256.Load(low);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Block(byte* block, ActivationRow x, int b, Vector256<float> acc, ref float constant)
    {
        float d = HalfBits.ToSingle(block);
        if (!T.Signed) constant += Min(block, d) * x.BlockSums[b];
        return SimdBytes.ScaleAdd(d * x.Scales[b], Sums(block, XLow(x, b), Paired(x, b)), acc);
    }

    /// <summary>What an unsigned integer of 0 stands for: the stored minimum, or −Offset·d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Min(byte* block, float d) => T.HasMin ? HalfBits.ToSingle(block + 2) : -T.Offset * d;

    /// <summary>Σ q·x over one block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Sums(byte* block, sbyte* x, bool paired = false)
    {
        var values = T.Values(block);
        return Times(Magnitudes(values), values, X(x, paired));
    }

    /// <summary>A block's integers as the unsigned side of the byte product: unsigned q as is, |q| for the signed formats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<byte> Magnitudes(Vector256<sbyte> values) => T.Signed ? Avx2.Abs(values) : values.AsByte();

    /// <summary>Σ q·x over a block, as 8 int partials: unsigned q times x as is, or |q| times x carrying q's sign.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Times(Vector256<byte> magnitudes, Vector256<sbyte> values, Vector256<sbyte> x) =>
        SimdBytes.MulSum(magnitudes, T.Signed ? Avx2.Sign(x, values) : x);

    public static float Scalar(byte* w, byte* a, int blocks)
    {
        var x = ActivationRow.Of(Format, a, blocks);
        sbyte* inOrder = stackalloc sbyte[32];
        float total = 0;
        for (int b = 0; b < blocks; b++, w += T.Bytes)
        {
            x.CopyBlock(b, inOrder);
            total += HalfBits.ToSingle(w) * x.Scales[b] * T.Sum(w, inOrder);
            if (T.HasMin) total += HalfBits.ToSingle(w + 2) * x.BlockSums[b];
        }
        return total;
    }
}
