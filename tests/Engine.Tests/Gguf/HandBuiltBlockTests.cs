using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>
/// Types the fixtures lack (BF16, Q4_1, Q2_K, Q3_K): blocks packed here the way llama.cpp's
/// quantize_row_*_ref packs them, with expected values from the format's formula per element index.
/// </summary>
public class HandBuiltBlockTests
{
    static byte[] F16(float v) => BitConverter.GetBytes((Half)v);

    [Theory]
    [InlineData(GgmlType.Q4_0, 32, 18)]
    [InlineData(GgmlType.Q4_1, 32, 20)]
    [InlineData(GgmlType.Q5_0, 32, 22)]
    [InlineData(GgmlType.Q5_1, 32, 24)]
    [InlineData(GgmlType.Q8_0, 32, 34)]
    [InlineData(GgmlType.Q2_K, 256, 84)]
    [InlineData(GgmlType.Q3_K, 256, 110)]
    [InlineData(GgmlType.Q4_K, 256, 144)]
    [InlineData(GgmlType.Q5_K, 256, 176)]
    [InlineData(GgmlType.Q6_K, 256, 210)]
    [InlineData(GgmlType.BF16, 1, 2)]
    public void BlockLayoutsMatchGgml(GgmlType type, int blockSize, int bytes)
    {
        Assert.Equal(blockSize, GgmlTypeInfo.BlockSize(type));
        Assert.Equal(bytes, GgmlTypeInfo.BytesPerBlock(type));
    }

    [Fact]
    public void BF16IsTheTopHalfOfFloat32()
    {
        byte[] src = [0x80, 0x3F, 0x20, 0xC0, 0x49, 0x40, 0x00, 0x00];
        var dst = new float[4];
        Dequantizer.Dequantize(GgmlType.BF16, src, dst);
        Assert.Equal(new[] { 1.0f, -2.5f, 3.140625f, 0f }, dst);
    }

    [Fact]
    public void Q4_1IsNibbleTimesScalePlusMin()
    {
        // d = 0.5, m = -1; byte j holds j (low nibble, value j) and 15-j (high nibble, value j+16).
        var block = F16(0.5f).Concat(F16(-1f)).Concat(Enumerable.Range(0, 16).Select(j => (byte)(j | (15 - j) << 4))).ToArray();
        var dst = new float[32];
        Dequantizer.Dequantize(GgmlType.Q4_1, block, dst);
        for (var j = 0; j < 16; j++)
        {
            Assert.Equal(j * 0.5f - 1f, dst[j]);
            Assert.Equal((15 - j) * 0.5f - 1f, dst[j + 16]);
        }
    }

    [Fact]
    public void Q2_KUsesSubBlockScaleAndMin()
    {
        float d = 0.5f, dmin = 0.25f;
        var q = Enumerable.Range(0, 256).Select(n => (n * 7 + n / 5) % 4).ToArray();
        var scales = Enumerable.Range(0, 16).Select(i => (byte)((i + 1) & 0x0F | (i % 5) << 4)).ToArray();
        var block = new byte[84];
        scales.CopyTo(block, 0);
        PackTwoBit(q, block.AsSpan(16, 64));
        F16(d).CopyTo(block, 80);
        F16(dmin).CopyTo(block, 82);

        var dst = new float[256];
        Dequantizer.Dequantize(GgmlType.Q2_K, block, dst);
        for (var n = 0; n < 256; n++)
        {
            var sc = scales[n / 16];
            Assert.Equal(d * (sc & 0x0F) * q[n] - dmin * (sc >> 4), dst[n]);
        }
    }

    [Fact]
    public void Q3_KUsesHighBitMaskAndSixBitScales()
    {
        const float d = 0.5f;
        var q = Enumerable.Range(0, 256).Select(n => (n * 5 + n / 3) % 8).ToArray();   // 3-bit values, stored as q-4 when the top bit is clear
        var scale = Enumerable.Range(0, 16).Select(i => (i * 11 + 3) % 64).ToArray();  // 6-bit, stored +32
        var block = new byte[110];
        for (var n = 0; n < 256; n++)
            if (q[n] >= 4) block[n % 32] |= (byte)(1 << (n / 32));
        PackTwoBit(q.Select(v => v & 3).ToArray(), block.AsSpan(32, 64));
        for (var i = 0; i < 16; i++)
        {
            block[96 + i % 8] |= (byte)((scale[i] & 0x0F) << (i < 8 ? 0 : 4));
            block[96 + 8 + i % 4] |= (byte)((scale[i] >> 4) << (2 * (i / 4)));
        }
        F16(d).CopyTo(block, 108);

        var dst = new float[256];
        Dequantizer.Dequantize(GgmlType.Q3_K, block, dst);
        for (var n = 0; n < 256; n++)
            Assert.Equal(d * (scale[n / 16] - 32) * (q[n] - 4), dst[n]);
    }

    [Fact]
    public void RejectsPartialBlocksAndShortInput()
    {
        Assert.Throws<ArgumentException>(() => Dequantizer.Dequantize(GgmlType.Q8_0, new byte[34], new float[31]));
        Assert.Throws<ArgumentException>(() => Dequantizer.Dequantize(GgmlType.Q8_0, new byte[33], new float[32]));
        Assert.Throws<NotSupportedException>(() => Dequantizer.Dequantize(GgmlType.Q8_K, new byte[292], new float[256]));
    }

    /// <summary>K-quant 2-bit layout: each 128 values use 32 bytes; value n sits in byte n%32 of its half, at bit 2·((n%128)/32).</summary>
    static void PackTwoBit(int[] q, Span<byte> dst)
    {
        for (var n = 0; n < q.Length; n++)
            dst[n / 128 * 32 + n % 32] |= (byte)((q[n] & 3) << (2 * (n % 128 / 32)));
    }
}
