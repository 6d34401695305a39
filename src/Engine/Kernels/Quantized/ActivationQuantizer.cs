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
        for (int b = 0; b < blocks; b++)
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

    /// <summary>d = max|x| / 127 and q = round(x / d), so |x − d·q| ≤ d/2; returns d (0 for an all-zero block).</summary>
    static float QuantizeBlock(float* x, sbyte* q, int n)
    {
        float amax = 0;
        for (int i = 0; i < n; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        for (int i = 0; i < n; i++) q[i] = (sbyte)Math.Clamp(MathF.Round(x[i] * id), -127, 127);
        return d;
    }

    /// <summary>
    /// As <see cref="QuantizeBlock"/>, 32 values a turn: the float-to-int conversion rounds half to even as
    /// <see cref="MathF.Round(float)"/> does, so the bytes are the same.
    /// </summary>
    static float QuantizeBlockSimd(float* x, sbyte* q, int n)
    {
        var max = Vector256<float>.Zero;
        for (int i = 0; i < n; i += 8) max = Vector256.Max(max, Vector256.Abs(Vector256.Load(x + i)));
        var max4 = Vector128.Max(max.GetLower(), max.GetUpper());
        float amax = MathF.Max(MathF.Max(max4[0], max4[1]), MathF.Max(max4[2], max4[3]));
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        var scale = Vector256.Create(id);
        // Packing works within 128-bit lanes, leaving 4-byte groups in the order 0, 2, 4, 6, 1, 3, 5, 7 of eight.
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        for (int i = 0; i < n; i += 32)
        {
            var i0 = Avx.ConvertToVector256Int32(Vector256.Load(x + i) * scale);
            var i1 = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 8) * scale);
            var i2 = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 16) * scale);
            var i3 = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 24) * scale);
            var bytes = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
            Avx2.PermuteVar8x32(bytes.AsInt32(), order).AsSByte().Store(q + i);
        }
        return d;
    }

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
