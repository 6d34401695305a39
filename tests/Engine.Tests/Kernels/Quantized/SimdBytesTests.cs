using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>
/// The byte products every integer dot is built from, against plain integer sums: the same answer whichever
/// instructions the CPU offers (VNNI's one-instruction forms or AVX2's pairs), at the largest magnitudes callers pass.
/// </summary>
public class SimdBytesTests
{
    [SkippableFact]
    public void MulSumAddsEachLanesFourProducts()
    {
        Skip.IfNot(Avx2.IsSupported, "the integer dots need AVX2");
        var rng = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            // |q| up to 128 (Q8_0's −128 as a magnitude) against activations of ±127: the callers' largest pairs.
            var u = new byte[32];
            var s = new sbyte[32];
            for (int i = 0; i < 32; i++)
            {
                u[i] = trial == 0 ? (byte)128 : (byte)rng.Next(0, 129);
                s[i] = trial == 0 ? (sbyte)(i % 2 == 0 ? 127 : -127) : (sbyte)rng.Next(-127, 128);
            }
            var sums = SimdBytes.MulSum(Vector256.Create(u), Vector256.Create(s));
            for (int lane = 0; lane < 8; lane++)
            {
                int expected = 0;
                for (int k = 0; k < 4; k++) expected += u[4 * lane + k] * s[4 * lane + k];
                Assert.Equal(expected, sums[lane]);
            }
        }
    }

    [SkippableFact]
    public void AddScaledAddsScaledPairsToTheAccumulator()
    {
        Skip.IfNot(Avx2.IsSupported, "the integer dots need AVX2");
        var rng = new Random(11);
        for (int trial = 0; trial < 200; trial++)
        {
            var pairs = new short[16];
            var scales = new short[16];
            var acc = new int[8];
            for (int i = 0; i < 16; i++)
            {
                pairs[i] = (short)rng.Next(-32512, 32513);   // maddubs' pair sums stay within ±2·128·127
                scales[i] = (short)rng.Next(-64, 64);       // K-quant sub-block scales: 6 bits, or 8 signed for Q6_K
            }
            for (int i = 0; i < 8; i++) acc[i] = rng.Next(-1 << 24, 1 << 24);
            var result = SimdBytes.AddScaled(Vector256.Create(acc), Vector256.Create(pairs), Vector256.Create(scales));
            for (int lane = 0; lane < 8; lane++)
                Assert.Equal(acc[lane] + pairs[2 * lane] * scales[2 * lane] + pairs[2 * lane + 1] * scales[2 * lane + 1], result[lane]);
        }
    }
}
