using SmolLM3.Engine.Kernels;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>Narrowing float32 to bfloat16 in our kernels rounds as libtorch's conversion does, bit for bit.</summary>
public class Bf16NarrowTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(47)]
    [InlineData(4096 + 5)]
    public unsafe void NarrowEqualsLibtorchsConversion(int n)
    {
        using var scope = NewDisposeScope();
        var values = randn([n], generator: new TorchSharp.torch.Generator((ulong)n)).mul_(1e3).data<float>().ToArray();
        // exact ties (the low 16 bits 0x8000) on both an even and an odd bfloat16, which round different ways; tiny and huge values
        // NaN of either sign (one quiet NaN out) and the infinities
        var special = new[] { BitConverter.UInt32BitsToSingle(0x3F808000), BitConverter.UInt32BitsToSingle(0x3F818000), 1e-40f, -3e38f, 0f, -0f,
            float.NaN, BitConverter.UInt32BitsToSingle(0x7FC00000), float.PositiveInfinity, float.NegativeInfinity };
        // at both ends: the vector loops and the scalar tail each meet them
        for (int i = 0; i < Math.Min(n, special.Length); i++) (values[i], values[n - 1 - i]) = (special[i], special[i]);
        // bfloat16 widens to float32 exactly, so the widened bits are the bfloat16's
        var want = tensor(values).to(ScalarType.BFloat16).to(ScalarType.Float32).data<float>().ToArray().Select(f => (ushort)(BitConverter.SingleToUInt32Bits(f) >> 16));
        var got = new ushort[n];
        fixed (float* src = values)
        fixed (ushort* dst = got)
            Bf16.Narrow(src, dst, n);
        // a NaN stays a NaN (libtorch's bits for one depend on its kernel; ours are FromFloat's quiet NaN), the rest bit for bit
        static bool IsNaN(ushort b) => (b & 0x7F80) == 0x7F80 && (b & 0x7F) != 0;
        Assert.Equal(want.Select(b => IsNaN(b) ? (ushort)0x7FC0 : b), got);
        Assert.Equal(values.Select(Bf16.FromFloat), got);
    }
}
