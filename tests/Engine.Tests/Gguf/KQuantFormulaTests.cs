using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>
/// Q4_K, Q5_K and Q6_K blocks of random bytes decode, bit for bit, to ggml's dequantize_row_q*_K formulas written
/// out per element index (the decoders walk 32 values at a time with vectors; this walks one at a time).
/// </summary>
public class KQuantFormulaTests
{
    static byte[] RandomBlock(GgmlType type, int seed, params int[] halfOffsets)
    {
        var random = new Random(seed);
        var block = new byte[GgmlTypeInfo.BytesPerBlock(type)];
        random.NextBytes(block);
        foreach (var o in halfOffsets) BitConverter.TryWriteBytes(block.AsSpan(o, 2), (Half)((random.NextDouble() * 2 - 1) * 0.05));
        return block;
    }

    static float Half(byte[] b, int o) => (float)BitConverter.ToHalf(b, o);

    // get_scale_min_k4: 6-bit scale and min of sub-block j from the 12 packed bytes
    static (int Scale, int Min) ScaleMin(byte[] b, int j) => j < 4
        ? (b[4 + j] & 63, b[4 + j + 4] & 63)
        : ((b[4 + j + 4] & 0x0F) | (b[4 + j - 4] >> 6) << 4, (b[4 + j + 4] >> 4) | (b[4 + j] >> 6) << 4);

    [Theory]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    public void Q4_KAndQ5_KFollowTheFormula(GgmlType type)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var b = RandomBlock(type, seed, 0, 2);
            var got = new float[256];
            Dequantizer.Dequantize(type, b, got);
            int qsAt = type == GgmlType.Q4_K ? 16 : 48;
            for (int n = 0; n < 256; n++)
            {
                int group = n / 64, within = n % 64, sub = 2 * group + within / 32, l = within % 32;
                int q = within < 32 ? b[qsAt + 32 * group + l] & 0x0F : b[qsAt + 32 * group + l] >> 4;
                if (type == GgmlType.Q5_K) q += (b[16 + l] >> sub & 1) << 4;
                var (sc, m) = ScaleMin(b, sub);
                float d = Half(b, 0) * sc, min = Half(b, 2) * m;
                Assert.Equal(d * q - min, got[n]);
            }
        }
    }

    [Fact]
    public void Q6_KFollowsTheFormula()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var b = RandomBlock(GgmlType.Q6_K, seed, 208);
            var got = new float[256];
            Dequantizer.Dequantize(GgmlType.Q6_K, b, got);
            for (int n = 0; n < 256; n++)
            {
                int half = n / 128, k = n % 128 / 32, l = n % 32;
                int low = b[64 * half + l + 32 * (k & 1)];
                int q = ((k < 2 ? low & 0x0F : low >> 4) | ((b[128 + 32 * half + l] >> 2 * k) & 3) << 4) - 32;
                Assert.Equal(Half(b, 208) * (sbyte)b[192 + 8 * half + l / 16 + 2 * k] * q, got[n]);
            }
        }
    }

    [Theory]
    [InlineData(GgmlType.Q4_K, new[] { 0, 2 })]
    [InlineData(GgmlType.Q6_K, new[] { 208 })]
    public void A_run_of_blocks_gives_each_blocks_own_bits(GgmlType type, int[] halfOffsets)
    {
        // a run takes the row loop (KRows, with AVX2); each block alone must come out the same through the block decoder
        const int blocks = 9;
        int bytes = GgmlTypeInfo.BytesPerBlock(type);
        var run = Enumerable.Range(0, blocks).SelectMany(seed => RandomBlock(type, 100 + seed, halfOffsets)).ToArray();
        var got = new float[blocks * 256];
        Dequantizer.Dequantize(type, run, got);
        var decode = Dequantizer.DecoderOf(type);
        var one = new float[256];
        for (int b = 0; b < blocks; b++)
        {
            decode(run.AsSpan(b * bytes, bytes), one);
            for (int n = 0; n < 256; n++)
                Assert.True(BitConverter.SingleToInt32Bits(one[n]) == BitConverter.SingleToInt32Bits(got[b * 256 + n]),
                    $"{type} block {b} value {n}: {got[b * 256 + n]} instead of {one[n]}");
        }
    }

    [Fact]
    public void Q8_0IsScaleTimesSignedByte()
    {
        var b = RandomBlock(GgmlType.Q8_0, 1, 0);
        var got = new float[32];
        Dequantizer.Dequantize(GgmlType.Q8_0, b, got);
        for (int n = 0; n < 32; n++) Assert.Equal((sbyte)b[2 + n] * Half(b, 0), got[n]);
    }
}
