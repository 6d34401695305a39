using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>What <see cref="QuantDot"/> accepts, the sizes it reports, and the F16 reading its kernels share.</summary>
public unsafe class QuantDotApiTests
{
    [Fact]
    public void Supports_exactly_the_legacy_and_K_quants()
    {
        var supported = Enum.GetValues<GgmlType>().Where(QuantDot.Supports).Order().ToArray();
        Assert.Equal(RandomBlocks.Types.Order().ToArray(), supported);
    }

    [Theory]
    // 32 values: a float scale and 32 bytes (Q8_1 adds a float sum); 256 values: a float, 16 shorts, 256 bytes.
    [InlineData(GgmlType.Q8_0, 64, 2 * 36)]
    [InlineData(GgmlType.Q4_0, 32, 40)]
    [InlineData(GgmlType.Q5_0, 96, 3 * 40)]
    [InlineData(GgmlType.Q4_1, 64, 2 * 40)]
    [InlineData(GgmlType.Q5_1, 32, 40)]
    [InlineData(GgmlType.Q4_K, 512, 2 * 292)]
    [InlineData(GgmlType.Q6_K, 256, 292)]
    [InlineData(GgmlType.Q2_K, 1536, 6 * 292)]
    public void Activation_rows_take_their_format_size(GgmlType type, int columns, int bytes) =>
        Assert.Equal(bytes, QuantDot.ActivationBytes(type, columns));

    [Theory]
    [InlineData(GgmlType.Q8_0, 48)]
    [InlineData(GgmlType.Q4_K, 128)]
    [InlineData(GgmlType.Q6_K, 0)]
    public void A_row_that_is_not_whole_blocks_is_refused(GgmlType type, int columns)
    {
        var e = Assert.Throws<ArgumentException>(() => QuantDot.ActivationBytes(type, columns));
        Assert.Contains($"got {columns} columns", e.Message);
        var buffer = new byte[1024];
        fixed (byte* p = buffer)
        {
            var w = (nint)p;
            Assert.Throws<ArgumentException>(() => QuantDot.Dot(type, (byte*)w, (byte*)w, columns == 0 ? 1 : columns));
        }
    }

    [Theory]
    [InlineData(GgmlType.F16)]
    [InlineData(GgmlType.Q8_K)]
    [InlineData(GgmlType.IQ4_XS)]
    public void Other_types_are_refused_by_name(GgmlType type)
    {
        Assert.False(QuantDot.Supports(type));
        var e = Assert.Throws<NotSupportedException>(() => QuantDot.ActivationBytes(type, 256));
        Assert.Contains(type.ToString(), e.Message);
        Assert.Throws<NotSupportedException>(() => QuantDot.Dot(type, null, null, 256));
    }

    [Fact]
    public void F16_scales_read_as_Half_does_for_every_finite_value()
    {
        var bytes = new byte[2];
        fixed (byte* p = bytes)
            for (int bits = 0; bits < 65536; bits++)
            {
                var h = BitConverter.UInt16BitsToHalf((ushort)bits);
                if (!Half.IsFinite(h)) continue;
                BitConverter.TryWriteBytes(bytes, (ushort)bits);
                Assert.Equal(BitConverter.SingleToInt32Bits((float)h), BitConverter.SingleToInt32Bits(HalfBits.ToSingle(p)));
            }
    }

    [Fact]
    public void F16_scales_read_four_at_a_time_as_Half_does_for_every_finite_value()
    {
        // four different halves per call, so a lane mix-up shows as well as a wrong conversion
        var bytes = new ushort[65536];
        for (int bits = 0; bits < 65536; bits++) bytes[bits] = (ushort)bits;
        fixed (ushort* p = bytes)
            for (int bits = 0; bits < 65536; bits += 4)
            {
                var four = HalfBits.ToSingle((byte*)(p + bits), (byte*)(p + bits + 1), (byte*)(p + bits + 2), (byte*)(p + bits + 3));
                for (int lane = 0; lane < 4; lane++)
                {
                    var h = BitConverter.UInt16BitsToHalf((ushort)(bits + lane));
                    if (Half.IsFinite(h)) Assert.Equal(BitConverter.SingleToInt32Bits((float)h), BitConverter.SingleToInt32Bits(four[lane]));
                }
            }
    }

    [Fact]
    public void F16_scales_read_eight_at_a_time_18_bytes_apart_as_Half_does_for_every_finite_value()
    {
        // Q4_0's stride (gathered by a byte permute where the CPU has one): every bit pattern in groups of eight, then
        // groups with zeros of both signs, the normal extremes and one subnormal among normals
        var groups = Enumerable.Range(0, 8192).Select(g => Enumerable.Range(8 * g, 8).Select(b => (ushort)b).ToArray()).ToList();
        groups.Add([0x0000, 0x8000, 0x3C00, 0xBC00, 0x0400, 0x8400, 0x7BFF, 0xFBFF]);
        groups.Add([0x3C00, 0x3C00, 0xC000, 0x3C00, 0x3C00, 0x3C00, 0x3C00, 0x8001]);
        var bytes = new byte[144];
        fixed (byte* p = bytes)
            foreach (var group in groups)
            {
                for (int lane = 0; lane < 8; lane++) BitConverter.TryWriteBytes(bytes.AsSpan(18 * lane, 2), group[lane]);
                // the CPU's own path (a byte permute where it has AVX-512 VBMI) and the AVX2 one
                var eight = HalfBits.ToSingle8(p, 18);
                var gathered = HalfBits.ToSingle8Gathered(p, 18);
                for (int lane = 0; lane < 8; lane++)
                {
                    var h = BitConverter.UInt16BitsToHalf(group[lane]);
                    if (!Half.IsFinite(h)) continue;
                    Assert.Equal(BitConverter.SingleToInt32Bits((float)h), BitConverter.SingleToInt32Bits(eight[lane]));
                    Assert.Equal(BitConverter.SingleToInt32Bits((float)h), BitConverter.SingleToInt32Bits(gathered[lane]));
                }
            }
    }
}
