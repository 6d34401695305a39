using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Writes a float32 row in an <see cref="ActivationFormat"/>. Scales stay float32 (llama.cpp rounds Q8_0/Q8_1
/// scales to F16; keeping them costs nothing here and removes that error). Done once per row of x per GEMV.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    public static void Quantize(ActivationFormat format, float* x, byte* dst, int columns, bool simd)
    {
        int block = ActivationRow.BlockSize(format), blocks = columns / block;
        var row = ActivationRow.Of(format, dst, blocks);
        int first = 0;
        // eight blocks of 32 at a time where the CPU has AVX2: this runs once per row of x per GEMV, on one thread while
        // the others wait, and a block at a time it was bound by each block's horizontal maximum and two divisions
        if (simd && block == ActivationRow.LegacyBlock)
            for (; first + 8 <= blocks; first += 8) QuantizeEightBlocks(x + first * block, row.Quants + first * block, row.Scales + first);
        for (int b = first; b < blocks; b++)
            row.Scales[b] = simd
                ? QuantizeBlockSimd(x + b * block, row.Quants + b * block, block)
                : QuantizeBlock(x + b * block, row.Quants + b * block, block);

        if (format is ActivationFormat.Q8_1 or ActivationFormat.Q8_1Paired)
            for (int b = 0; b < blocks; b++)
                row.BlockSums[b] = row.Scales[b] * Sum(row.Quants + b * block, block);
        if (format == ActivationFormat.Q8_1Paired) ToPairOrder(row.Quants, row.PairedBlocks);
        else if (format == ActivationFormat.Q8_K)
            for (int g = 0; g < columns / ActivationRow.KSumGroup; g++)
                row.GroupSums[g] = (short)Sum(row.Quants + g * ActivationRow.KSumGroup, ActivationRow.KSumGroup);
    }

    /// <summary>
    /// d = max|x| / 127 and q = round(x / d) within ±127, so |x − d·q| ≤ d/2; returns d (0 for an all-zero block). 1/d is
    /// held below infinity: a block of values near float32's smallest has a subnormal d whose inverse overflows, and
    /// 0·∞ would make a NaN of its zeros.
    /// </summary>
    static float QuantizeBlock(float* x, sbyte* q, int n)
    {
        float amax = 0;
        for (int i = 0; i < n; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        float d = amax / 127, id = d != 0 ? MathF.Min(1 / d, float.MaxValue) : 0;
        for (int i = 0; i < n; i++) q[i] = (sbyte)Math.Clamp(MathF.Round(x[i] * id), -127, 127);
        return d;
    }

    /// <summary>
    /// As <see cref="QuantizeBlock"/>, 32 values a turn: the float-to-int conversion rounds half to even as
    /// <see cref="MathF.Round(float)"/> does, and the products are held within ±127 first (with a subnormal d they can
    /// round past it, and the byte pack would give −128), so the bytes are the same.
    /// </summary>
    static float QuantizeBlockSimd(float* x, sbyte* q, int n)
    {
        var max = Vector256<float>.Zero;
        for (int i = 0; i < n; i += 8) max = Vector256.Max(max, Vector256.Abs(Vector256.Load(x + i)));
        var max4 = Vector128.Max(max.GetLower(), max.GetUpper());
        float amax = MathF.Max(MathF.Max(max4[0], max4[1]), MathF.Max(max4[2], max4[3]));
        float d = amax / 127, id = d != 0 ? MathF.Min(1 / d, float.MaxValue) : 0;
        for (int i = 0; i < n; i += 32) Store32(x + i, q + i, Vector256.Create(id));
        return d;
    }

    /// <summary>
    /// <see cref="QuantizeBlockSimd"/> for eight consecutive blocks of 32: their maxima side by side (one transpose), their
    /// scales and inverses as one vector each; the same scales and bytes.
    /// </summary>
    static void QuantizeEightBlocks(float* x, sbyte* q, float* scales)
    {
        float* maxima = stackalloc float[64], lanes = stackalloc float[64];
        for (int k = 0; k < 8; k++)
        {
            float* xk = x + 32 * k;
            Vector256.Max(Vector256.Max(Vector256.Abs(Vector256.Load(xk)), Vector256.Abs(Vector256.Load(xk + 8))),
                Vector256.Max(Vector256.Abs(Vector256.Load(xk + 16)), Vector256.Abs(Vector256.Load(xk + 24)))).Store(maxima + 8 * k);
        }
        Transpose8.Block(maxima, 8, lanes, 8);   // lane k of row j: block k's maximum over its values ≡ j (mod 8)
        var amax = Vector256.Load(lanes);
        for (int j = 1; j < 8; j++) amax = Vector256.Max(amax, Vector256.Load(lanes + 8 * j));
        var d = amax / Vector256.Create(127f);
        var id = Vector256.ConditionalSelect(Vector256.Equals(d, Vector256<float>.Zero), Vector256<float>.Zero,
            Vector256.Min(Vector256<float>.One / d, Vector256.Create(float.MaxValue)));
        d.Store(scales);
        id.Store(lanes);
        for (int k = 0; k < 8; k++) Store32(x + 32 * k, q + 32 * k, Vector256.Create(lanes[k]));
    }

    /// <summary>32 values at <paramref name="x"/> times <paramref name="scale"/> (1/d), held within ±127, rounded half to even, as bytes at <paramref name="q"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store32(float* x, sbyte* q, Vector256<float> scale)
    {
        var i0 = Avx.ConvertToVector256Int32(Within127(Vector256.Load(x) * scale));
        var i1 = Avx.ConvertToVector256Int32(Within127(Vector256.Load(x + 8) * scale));
        var i2 = Avx.ConvertToVector256Int32(Within127(Vector256.Load(x + 16) * scale));
        var i3 = Avx.ConvertToVector256Int32(Within127(Vector256.Load(x + 24) * scale));
        var bytes = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
        // packing works within 128-bit lanes, leaving 4-byte groups in the order 0, 2, 4, 6, 1, 3, 5, 7 of eight
        Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte().Store(q);
    }

    /// <summary>Products held within ±127 (finite ones: x times a finite inverse of the block's scale).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Within127(Vector256<float> v) => Vector256.Min(Vector256.Max(v, Vector256.Create(-127f)), Vector256.Create(127f));

    /// <summary>Rearranges each whole group of eight blocks from block order to pair order (<see cref="ActivationFormat.Q8_1Paired"/>).</summary>
    static void ToPairOrder(sbyte* q, int pairedBlocks)
    {
        const int group = ActivationRow.PairGroup * ActivationRow.LegacyBlock;
        sbyte* copy = stackalloc sbyte[group];
        for (int g = 0; g < pairedBlocks; g += ActivationRow.PairGroup, q += group)
        {
            new ReadOnlySpan<sbyte>(q, group).CopyTo(new Span<sbyte>(copy, group));
            for (int j = 0; j < 4; j++)
            {
                sbyte* first = copy + 32 * j, second = copy + 32 * (j + 4), to = q + 64 * j;
                new ReadOnlySpan<sbyte>(first, 16).CopyTo(new Span<sbyte>(to, 16));
                new ReadOnlySpan<sbyte>(second, 16).CopyTo(new Span<sbyte>(to + 16, 16));
                new ReadOnlySpan<sbyte>(first + 16, 16).CopyTo(new Span<sbyte>(to + 32, 16));
                new ReadOnlySpan<sbyte>(second + 16, 16).CopyTo(new Span<sbyte>(to + 48, 16));
            }
        }
    }

    /// <summary>Σ q over <paramref name="n"/> bytes: 32 or 16 at a time as byte products with 1 widened to ints (exact).</summary>
    static int Sum(sbyte* q, int n)
    {
        int i = 0, s = 0;
        if (Avx2.IsSupported)
        {
            var ones = Vector256.Create((byte)1);
            var acc = Vector256<int>.Zero;
            for (; i + 32 <= n; i += 32)
                acc += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ones, Vector256.Load(q + i)), Vector256<short>.One);
            for (; i + 16 <= n; i += 16)
                acc += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(ones, Vector128.Load(q + i).ToVector256()), Vector256<short>.One);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += q[i];
        return s;
    }
}
