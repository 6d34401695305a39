using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>Activation rows read back from the documented layout, and the AVX2 quantizer against the scalar one.</summary>
public unsafe class ActivationQuantizerTests
{
    /// <summary>
    /// Blocks of 32 with very different magnitudes, including an all-zero one; the first block is 127 then
    /// −14.5 … 15.5, so d = 1 and every other value is a tie (rounded to even).
    /// </summary>
    static float[] Row(int columns, int seed)
    {
        var rng = new Random(seed);
        float[] magnitude = [1, 0, 1e-3f, 300];
        return Enumerable.Range(0, columns)
            .Select(i => i < 32 ? (i == 0 ? 127 : i - 15.5f) : (float)(rng.NextDouble() * 2 - 1) * magnitude[i / 32 % 4])
            .ToArray();
    }

    [Theory]
    [InlineData(ActivationFormat.Q8_0, 224)]
    [InlineData(ActivationFormat.Q8_1, 224)]
    [InlineData(ActivationFormat.Q8_1Paired, 672)]
    [InlineData(ActivationFormat.Q8_K, 1792)]
    public void The_row_reads_back_within_half_a_step_with_its_sums(ActivationFormat format, int columns)
    {
        var x = Row(columns, columns);
        int block = ActivationRow.BlockSize(format), blocks = columns / block;
        var bytes = new byte[ActivationRow.Bytes(format, columns)];
        fixed (float* xp = x)
        fixed (byte* p = bytes)
            ActivationQuantizer.Quantize(format, xp, p, columns, simd: false);

        // Layout by hand: float scales, then (Q8_1) float d·Σq per block or (Q8_K) short Σq per 16, then the bytes:
        // in pair order, for each whole group of eight blocks and j = 0…3, blocks j and j + 4's first halves, then their last
        bool q8_1 = format is ActivationFormat.Q8_1 or ActivationFormat.Q8_1Paired;
        int sumsAt = blocks * 4, quantsAt = sumsAt + (q8_1 ? blocks * 4 : format == ActivationFormat.Q8_K ? columns / 16 * 2 : 0);
        int At(int b, int i) => format == ActivationFormat.Q8_1Paired && b < blocks / 8 * 8
            ? 256 * (b / 8) + 64 * (b % 4) + 16 * (b % 8 / 4) + (i < 16 ? i : 32 + i - 16)
            : b * block + i;
        Assert.Equal(quantsAt + columns, bytes.Length);
        for (int b = 0; b < blocks; b++)
        {
            float d = BitConverter.ToSingle(bytes, 4 * b);
            Assert.Equal(x.Skip(b * block).Take(block).Max(MathF.Abs) / 127, d);
            var q = Enumerable.Range(0, block).Select(i => (sbyte)bytes[quantsAt + At(b, i)]).ToArray();
            for (int i = 0; i < block; i++)
                Assert.InRange(x[b * block + i] - d * q[i], -d / 2 * 1.0001f, d / 2 * 1.0001f);
            if (q8_1)
                Assert.Equal(d * q.Sum(v => v), BitConverter.ToSingle(bytes, sumsAt + 4 * b));
            if (format == ActivationFormat.Q8_K)
                for (int g = 0; g < block / 16; g++)
                    Assert.Equal(q.Skip(16 * g).Take(16).Sum(v => v), BitConverter.ToInt16(bytes, sumsAt + 2 * (b * block / 16 + g)));
        }
    }

    [Theory]
    [InlineData(ActivationFormat.Q8_0, 1536)]
    [InlineData(ActivationFormat.Q8_1, 1536)]
    [InlineData(ActivationFormat.Q8_1Paired, 1504)]
    [InlineData(ActivationFormat.Q8_K, 1536)]
    public void The_AVX2_quantizer_writes_the_scalar_one_s_bytes(ActivationFormat format, int columns)
    {
        var x = Row(columns, 7);
        Array.Clear(x, 64, 32);   // an all-zero block (scale 0) inside a group of eight
        for (int i = 160; i < 192; i++) x[i] = (i - 175) * 1e-38f;   // and a block of subnormal-scale values
        var simd = new byte[ActivationRow.Bytes(format, columns)];
        var scalar = new byte[simd.Length];
        fixed (float* xp = x)
        fixed (byte* sp = simd, cp = scalar)
        {
            ActivationQuantizer.Quantize(format, xp, sp, columns, simd: true);
            ActivationQuantizer.Quantize(format, xp, cp, columns, simd: false);
        }
        Assert.Equal(scalar, simd);
    }
}
