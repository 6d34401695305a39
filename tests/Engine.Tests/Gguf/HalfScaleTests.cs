using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Gguf;

public class HalfScaleTests
{
    [Fact]
    public void Every_f16_bit_pattern_reads_as_dotnets_conversion_does()
    {
        var bytes = new byte[2];
        for (int h = 0; h <= ushort.MaxValue; h++)
        {
            BitConverter.TryWriteBytes(bytes, (ushort)h);
            float want = (float)BitConverter.UInt16BitsToHalf((ushort)h), got = Dequantizer.Half(bytes, 0);
            Assert.True(BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got), $"0x{h:X4}: {got} instead of {want}");
        }
    }
}
