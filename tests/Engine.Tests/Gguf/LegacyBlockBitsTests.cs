using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>
/// The 32-value block quants, dequantized in vectors (whole runs of blocks at a time for Q4_0, Q5_0 and Q8_0), give the
/// very bits of ggml's dequantize_row_q4_0/q4_1/q5_0/q5_1/q8_0: random blocks (every nibble, fifth-bit and byte pattern,
/// scales of both signs) against the formulas written out per value.
/// </summary>
public class LegacyBlockBitsTests
{
    [Theory]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.Q8_0)]
    public void Vector_dequantization_gives_ggmls_bits(GgmlType type)
    {
        const int blocks = 200;
        int bytes = GgmlTypeInfo.BytesPerBlock(type);
        var random = new Random(12);
        var data = new byte[blocks * bytes];
        random.NextBytes(data);
        for (int b = 0; b < blocks; b++)   // finite F16 scale and minimum
        {
            BitConverter.TryWriteBytes(data.AsSpan(b * bytes), (Half)(random.NextSingle() * 0.2f - 0.1f));
            if (type is GgmlType.Q4_1 or GgmlType.Q5_1) BitConverter.TryWriteBytes(data.AsSpan(b * bytes + 2), (Half)(random.NextSingle() - 0.5f));
        }
        var values = new float[blocks * 32];
        Dequantizer.Dequantize(type, data, values);
        for (int b = 0; b < blocks; b++)
            for (int j = 0; j < 32; j++)
            {
                float expected = Expected(type, data.AsSpan(b * bytes, bytes), j);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(values[b * 32 + j]),
                    $"{type} block {b} value {j}: {values[b * 32 + j]} instead of {expected}");
            }
    }

    /// <summary>Value j of a block, as ggml's reference dequantizers compute it.</summary>
    static float Expected(GgmlType type, ReadOnlySpan<byte> block, int j)
    {
        if (type == GgmlType.Q8_0) return (sbyte)block[2 + j] * (float)BitConverter.ToHalf(block);
        float d = (float)BitConverter.ToHalf(block), m = type is GgmlType.Q4_1 or GgmlType.Q5_1 ? (float)BitConverter.ToHalf(block[2..]) : 0;
        int qsAt = type switch { GgmlType.Q4_0 => 2, GgmlType.Q4_1 => 4, GgmlType.Q5_0 => 6, _ => 8 };
        byte q = block[qsAt + j % 16];
        int nibble = j < 16 ? q & 0x0F : q >> 4;
        if (type is GgmlType.Q5_0 or GgmlType.Q5_1)
        {
            uint qh = BitConverter.ToUInt32(block[(qsAt - 4)..]);
            nibble |= (int)((qh >> j) & 1) << 4;
        }
        return type switch
        {
            GgmlType.Q4_0 => (nibble - 8) * d,
            GgmlType.Q5_0 => (nibble - 16) * d,
            _ => nibble * d + m,
        };
    }
}
