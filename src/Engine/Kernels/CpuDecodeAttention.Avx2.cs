using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// The decode attention's register-blocked loop for CPUs with AVX2 and FMA but no 512-bit vectors: sixteen 256-bit
/// registers hold two keys' scores for up to four query heads, and the value pass two 8-value slices of each head's output.
/// </summary>
public static unsafe partial class CpuDecodeAttention
{
    static void GroupAvx2(in Sequence seq, int g, in Shape shape, float* s)
    {
        bool f32 = shape.Loop == RowLoop.Avx2F32;
        switch (shape.Rep)
        {
            case 2: if (f32) GroupAvx2<F32Row8, TwoRows>(seq, g, shape, s); else GroupAvx2<Bf16Row8, TwoRows>(seq, g, shape, s); break;
            case 3: if (f32) GroupAvx2<F32Row8, ThreeRows>(seq, g, shape, s); else GroupAvx2<Bf16Row8, ThreeRows>(seq, g, shape, s); break;
            default: if (f32) GroupAvx2<F32Row8, FourRows>(seq, g, shape, s); else GroupAvx2<Bf16Row8, FourRows>(seq, g, shape, s); break;
        }
    }

    /// <summary>
    /// <see cref="Group"/> for F32 or BF16 rows with 256-bit vectors, <typeparamref name="THeads"/> (2–4) query heads a
    /// group and a head size a multiple of 16: each key row is read once for all the group's heads, two keys at a time, and
    /// their scores reduced together; each value row's 16-value slice is converted once for all heads, the heads'
    /// slices kept in registers across a block of rows. The same products as <see cref="Group"/>'s, in another order.
    /// </summary>
    static void GroupAvx2<TRow, THeads>(in Sequence seq, int g, in Shape shape, float* s) where TRow : struct, IRow8 where THeads : struct, IRowCount
    {
        int heads = THeads.Count, headDim = shape.HeadDim, blockTokens = shape.BlockTokens, length = seq.Length;
        float scale = shape.Scale;
        long rowBytes = shape.RowBytes, head = shape.HeadOffset(g);
        float* qg = seq.Q + shape.GroupOffset(g), og = seq.Output + shape.GroupOffset(g);
        float* q0 = qg, q1 = qg + headDim, q2 = qg + Math.Min(2, heads - 1) * headDim, q3 = qg + Math.Min(3, heads - 1) * headDim;
        for (int j0 = 0, b = 0; j0 < length; j0 += blockTokens, b++)
        {
            byte* k = seq.Keys[b] + head;
            // the next block's keys, a pair of rows at a time, and below the next block's values: a pool's blocks lie
            // anywhere, where the core's own prefetch does not follow, and a batch's caches are far larger than L3
            byte* nextK = j0 + blockTokens < length ? seq.Keys[b + 1] + head : null;
            // and this block's values into L2, so the value pass after the softmax does not wait on memory either
            byte* values = seq.Values[b] + head;
            int n = Math.Min(blockTokens, length - j0), t = 0;
            for (; t + 2 <= n; t += 2, k += 2 * rowBytes)
            {
                if (nextK != null)
                    for (long line = t * rowBytes, end = line + 2 * rowBytes; line < end; line += 64) Sse.Prefetch0(nextK + line);
                for (long line = t * rowBytes, end = line + 2 * rowBytes; line < end; line += 64) Sse.Prefetch1(values + line);
                Scores2<TRow, THeads>(k, k + rowBytes, q0, q1, q2, q3, headDim, scale, s + j0 + t, length);
            }
            if (t < n)
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int c = 0; c < headDim; c += 8)
                {
                    var kv = TRow.Load(k, c);
                    a0 = Fma.MultiplyAdd(Avx.LoadVector256(q0 + c), kv, a0);
                    a1 = Fma.MultiplyAdd(Avx.LoadVector256(q1 + c), kv, a1);
                    if (THeads.Count > 2) a2 = Fma.MultiplyAdd(Avx.LoadVector256(q2 + c), kv, a2);
                    if (THeads.Count > 3) a3 = Fma.MultiplyAdd(Avx.LoadVector256(q3 + c), kv, a3);
                }
                int j = j0 + t;
                s[j] = Vector256.Sum(a0) * scale;
                s[length + j] = Vector256.Sum(a1) * scale;
                if (THeads.Count > 2) s[2 * length + j] = Vector256.Sum(a2) * scale;
                if (THeads.Count > 3) s[3 * length + j] = Vector256.Sum(a3) * scale;
            }
        }
        for (int r = 0; r < heads; r++) Softmax(s + r * length, length);
        new Span<float>(og, heads * headDim).Clear();
        for (int j0 = 0, b = 0; j0 < length; j0 += blockTokens, b++)
        {
            byte* v = seq.Values[b] + head;
            int n = Math.Min(blockTokens, length - j0);
            byte* nextV = j0 + blockTokens < length ? seq.Values[b + 1] + head : null;
            float* p0 = s + j0, p1 = p0 + length, p2 = p1 + length, p3 = p2 + length;
            for (int c = 0; c < headDim; c += 16)
            {
                float* o0 = og + c, o1 = o0 + headDim, o2 = o1 + headDim, o3 = o2 + headDim;
                Vector256<float> a00 = Avx.LoadVector256(o0), a01 = Avx.LoadVector256(o0 + 8), a10 = Avx.LoadVector256(o1), a11 = Avx.LoadVector256(o1 + 8);
                Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
                if (THeads.Count > 2) (a20, a21) = (Avx.LoadVector256(o2), Avx.LoadVector256(o2 + 8));
                if (THeads.Count > 3) (a30, a31) = (Avx.LoadVector256(o3), Avx.LoadVector256(o3 + 8));
                byte* vt = v, pf = c == 0 ? nextV : null;
                for (int t = 0; t < n; t++, vt += rowBytes)
                {
                    if (pf != null)
                        for (long line = t * rowBytes, end = line + rowBytes; line < end; line += 64) Sse.Prefetch0(pf + line);
                    var x0 = TRow.Load(vt, c);
                    var x1 = TRow.Load(vt, c + 8);
                    var w = Vector256.Create(p0[t]);
                    (a00, a01) = (Fma.MultiplyAdd(w, x0, a00), Fma.MultiplyAdd(w, x1, a01));
                    w = Vector256.Create(p1[t]);
                    (a10, a11) = (Fma.MultiplyAdd(w, x0, a10), Fma.MultiplyAdd(w, x1, a11));
                    if (THeads.Count > 2)
                    {
                        w = Vector256.Create(p2[t]);
                        (a20, a21) = (Fma.MultiplyAdd(w, x0, a20), Fma.MultiplyAdd(w, x1, a21));
                    }
                    if (THeads.Count > 3)
                    {
                        w = Vector256.Create(p3[t]);
                        (a30, a31) = (Fma.MultiplyAdd(w, x0, a30), Fma.MultiplyAdd(w, x1, a31));
                    }
                }
                a00.Store(o0); a01.Store(o0 + 8); a10.Store(o1); a11.Store(o1 + 8);
                if (THeads.Count > 2) { a20.Store(o2); a21.Store(o2 + 8); }
                if (THeads.Count > 3) { a30.Store(o3); a31.Store(o3 + 8); }
            }
        }
    }

    /// <summary>
    /// Two consecutive key rows' scores for the group's heads, to s[h·<paramref name="length"/> + 0, 1]: eight
    /// accumulators (heads by keys) reduced together by horizontal adds, lane 2h + i for head h and key i.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Scores2<TRow, THeads>(byte* k0, byte* k1, float* q0, float* q1, float* q2, float* q3, int headDim, float scale, float* s, int length)
        where TRow : struct, IRow8 where THeads : struct, IRowCount
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
        for (int c = 0; c < headDim; c += 8)
        {
            var x0 = TRow.Load(k0, c);
            var x1 = TRow.Load(k1, c);
            var u = Avx.LoadVector256(q0 + c);
            (a00, a01) = (Fma.MultiplyAdd(u, x0, a00), Fma.MultiplyAdd(u, x1, a01));
            u = Avx.LoadVector256(q1 + c);
            (a10, a11) = (Fma.MultiplyAdd(u, x0, a10), Fma.MultiplyAdd(u, x1, a11));
            if (THeads.Count > 2)
            {
                u = Avx.LoadVector256(q2 + c);
                (a20, a21) = (Fma.MultiplyAdd(u, x0, a20), Fma.MultiplyAdd(u, x1, a21));
            }
            if (THeads.Count > 3)
            {
                u = Avx.LoadVector256(q3 + c);
                (a30, a31) = (Fma.MultiplyAdd(u, x0, a30), Fma.MultiplyAdd(u, x1, a31));
            }
        }
        // each 128-bit half: lane k holds vector k's sum over that half, then the halves added
        var low = Avx.HorizontalAdd(Avx.HorizontalAdd(a00, a01), Avx.HorizontalAdd(a10, a11));
        var high = THeads.Count > 2 ? Avx.HorizontalAdd(Avx.HorizontalAdd(a20, a21), Avx.HorizontalAdd(a30, a31)) : low;
        var sums = (Avx.Permute2x128(low, high, 0x20) + Avx.Permute2x128(low, high, 0x31)) * Vector256.Create(scale);
        var h01 = sums.GetLower().AsDouble();
        Sse2.StoreLow((double*)s, h01);
        Sse2.StoreHigh((double*)(s + length), h01);
        if (THeads.Count > 2)
        {
            var h23 = sums.GetUpper().AsDouble();
            Sse2.StoreLow((double*)(s + 2 * length), h23);
            if (THeads.Count > 3) Sse2.StoreHigh((double*)(s + 3 * length), h23);
        }
    }

    /// <summary>Eight values of a cached row, from value <c>c</c> on, as float32.</summary>
    interface IRow8
    {
        static abstract Vector256<float> Load(byte* row, int c);
    }

    readonly struct F32Row8 : IRow8
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(byte* row, int c) => Avx.LoadVector256((float*)row + c);
    }

    readonly struct Bf16Row8 : IRow8
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Load(byte* row, int c) =>
            Avx2.ShiftLeftLogical(Avx2.ConvertToVector256Int32(Sse2.LoadVector128((ushort*)row + c)), 16).AsSingle();
    }
}
