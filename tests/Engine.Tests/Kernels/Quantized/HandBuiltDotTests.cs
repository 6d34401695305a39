using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>
/// One block per type with all quants and scales equal (or equal per half), its sum of weights worked out by hand
/// from the format's formula, repeated 1, 2 and 7 times. Activations are all 127, which quantize exactly (d = 1,
/// q = 127), so the dot is 127 × Σw exactly.
/// </summary>
public class HandBuiltDotTests
{
    static byte[] F16(double v) => BitConverter.GetBytes((Half)v);
    static byte[] Fill(int count, byte value) => Enumerable.Repeat(value, count).ToArray();
    static byte[] U32(uint v) => BitConverter.GetBytes(v);

    /// <summary>A block and the sum of its weights, by hand (comments: nibble → value).</summary>
    static (byte[] Block, double WeightSum) Block(GgmlType type) => type switch
    {
        // d = 0.5, q = −3: 32 × −1.5
        GgmlType.Q8_0 => ([.. F16(0.5), .. Fill(32, unchecked((byte)-3))], 32 * -1.5),
        // d = 0.25, byte 0x3A: low 10 → (10−8)·0.25 = 0.5, high 3 → −1.25; 16 of each
        GgmlType.Q4_0 => ([.. F16(0.25), .. Fill(16, 0x3A)], 16 * 0.5 + 16 * -1.25),
        // d = 0.5, m = −2: low 10 → 3, high 3 → −0.5
        GgmlType.Q4_1 => ([.. F16(0.5), .. F16(-2), .. Fill(16, 0x3A)], 16 * 3 + 16 * -0.5),
        // d = 0.5, fifth bit on values 0–15 only: low 10|16 → (26−16)·0.5 = 5, high 3 → (3−16)·0.5 = −6.5
        GgmlType.Q5_0 => ([.. F16(0.5), .. U32(0x0000FFFF), .. Fill(16, 0x3A)], 16 * 5 + 16 * -6.5),
        // d = 0.5, m = 1, fifth bit on values 16–31 only: low 10 → 6, high 3|16 → 19·0.5 + 1 = 10.5
        GgmlType.Q5_1 => ([.. F16(0.5), .. F16(1), .. U32(0xFFFF0000), .. Fill(16, 0x3A)], 16 * 6 + 16 * 10.5),
        // scale 2, min 3 everywhere, d = 1, dmin = 0.5; qs 0xE4 holds crumbs 0,1,2,3 (bits 0–1 … 6–7), each crumb
        // value k covering 64 values: Σ 64·(2k − 1.5)
        GgmlType.Q2_K => ([.. Fill(16, 0x32), .. Fill(64, 0xE4), .. F16(1), .. F16(0.5)], 64 * (-1.5 + 0.5 + 2.5 + 4.5)),
        // hmask 0x0F: bits 0–3 set (first 128 values keep q), bits 4–7 clear (last 128 values q − 4); qs 0xE4 → q = k;
        // every scale 34 (low nibble 2 in bytes 0–7, top bits 2 at each 2-bit slot of bytes 8–11) → 34 − 32 = 2; d = 1
        GgmlType.Q3_K => ([.. Fill(32, 0x0F), .. Fill(64, 0xE4), .. Fill(8, 0x22), .. Fill(4, 0xAA), .. F16(1)],
            32 * 2 * ((0 + 1 + 2 + 3) + (-4 - 3 - 2 - 1))),
        // d = 1, dmin = 0.5, every scale 2 and min 3 (bytes 0–3: scale, 4–7: min, 8–11: min nibble | scale nibble);
        // qs 0x3A: low nibbles 10 → 2·10 − 1.5 = 18.5, high 3 → 4.5; 128 of each
        GgmlType.Q4_K => ([.. F16(1), .. F16(0.5), .. Fill(4, 0x02), .. Fill(4, 0x03), .. Fill(4, 0x32), .. Fill(128, 0x3A)],
            128 * 18.5 + 128 * 4.5),
        // as Q4_K, qh 0x55 tops every low nibble: 26 → 50.5
        GgmlType.Q5_K => ([.. F16(1), .. F16(0.5), .. Fill(4, 0x02), .. Fill(4, 0x03), .. Fill(4, 0x32), .. Fill(32, 0x55), .. Fill(128, 0x3A)],
            128 * 50.5 + 128 * 4.5),
        // ql 0x3A (low 10, high 3), qh 0x9C = bit pairs 0, 3, 1, 2 for the four 32-value quarters of each half:
        // q = 10, 10|48, 3|16, 3|32 → −22, 26, −13, 3 after −32; scale −2, d = 0.5 → w = −q; 64 values per quarter
        GgmlType.Q6_K => ([.. Fill(128, 0x3A), .. Fill(64, 0x9C), .. Fill(16, unchecked((byte)-2)), .. F16(0.5)],
            -64 * (-22 + 26 - 13 + 3)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static TheoryData<GgmlType, int> TypesAndBlocks()
    {
        var data = new TheoryData<GgmlType, int>();
        foreach (var type in RandomBlocks.Types)
            foreach (var blocks in new[] { 1, 2, 4, 7, 9, 21 })
                data.Add(type, blocks);
        return data;
    }

    [Theory]
    [MemberData(nameof(TypesAndBlocks))]
    public void All_equal_blocks_give_the_dot_worked_out_by_hand(GgmlType type, int blocks)
    {
        var (block, weightSum) = Block(type);
        Assert.Equal(GgmlTypeInfo.BytesPerBlock(type), block.Length);
        var row = Enumerable.Repeat(block, blocks).SelectMany(b => b).ToArray();
        var x = Enumerable.Repeat(127f, blocks * GgmlTypeInfo.BlockSize(type)).ToArray();

        var expected = 127 * weightSum * blocks;
        var dots = DotHarness.Run(type, row, x);
        Assert.Equal(expected, dots.Simd);
        Assert.Equal(expected, dots.Scalar);
        Assert.Equal(expected, dots.Public);
        // The reference dequantizer agrees with the hand sums, so the two describe the same format.
        Assert.Equal(weightSum * blocks, RandomBlocks.Dequantize(type, row, x.Length).Sum(v => (double)v), 6);
    }
}
