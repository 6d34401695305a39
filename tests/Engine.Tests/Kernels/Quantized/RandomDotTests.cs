using SmolLM3.Engine.Gguf;
using Xunit.Abstractions;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>
/// Random weight rows of every type against the exact float dot of their dequantized values (<see cref="Dequantizer"/>,
/// independent of the kernels) with the float activations.
/// </summary>
public class RandomDotTests(ITestOutputHelper output)
{
    /// <summary>Float rounding of a sum of n products in any order stays far below this fraction of Σ|w·x|.</summary>
    const double RoundingSlack = 1e-5;

    /// <summary>
    /// RMS(dot error) / RMS(dot) over 400 rows of 1536 columns with N(0, 1) activations, measured (docs/numerics.md):
    /// 0.50–0.54 % with 32-value activation blocks, 0.66–0.74 % with 256-value ones (a larger block has a larger max|x|,
    /// so a coarser step). Asserted with a margin.
    /// </summary>
    static double RmsRelativeBound(GgmlType type) => BlockOfActivations(type) == 32 ? 0.006 : 0.0085;

    static int BlockOfActivations(GgmlType type) => GgmlTypeInfo.BlockSize(type);

    [Theory]
    [MemberData(nameof(HandBuiltDotTests.TypesAndBlocks), MemberType = typeof(HandBuiltDotTests))]
    public void Integer_activations_quantize_exactly_so_every_path_gives_the_exact_dot(GgmlType type, int blocks)
    {
        var rng = new Random(blocks * 100 + (int)type);
        int columns = blocks * GgmlTypeInfo.BlockSize(type);
        for (int row = 0; row < 20; row++)
        {
            var weights = RandomBlocks.Row(type, columns, rng);
            // Integers in [−127, 127] with ±127 in every 32 values: each block's scale is exactly 1 and q = x.
            var x = Enumerable.Range(0, columns)
                .Select(i => i % 32 == 0 ? (rng.Next(2) == 0 ? -127f : 127f) : rng.Next(-127, 128)).ToArray();
            var (exact, abs) = DotHarness.Exact(RandomBlocks.Dequantize(type, weights, columns), x);

            var dots = DotHarness.Run(type, weights, x, misalign: 1 + row % 3);
            Assert.InRange(dots.Simd, exact - RoundingSlack * abs, exact + RoundingSlack * abs);
            Assert.InRange(dots.Scalar, exact - RoundingSlack * abs, exact + RoundingSlack * abs);
            Assert.Equal(dots.Simd, dots.Public);
        }
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Float_activations_stay_within_half_a_step_per_value_and_the_measured_rms_error(GgmlType type)
    {
        const int columns = 1536, rows = 400;
        var rng = new Random((int)type);
        double errorSquares = 0, dotSquares = 0;
        for (int row = 0; row < rows; row++)
        {
            var weights = RandomBlocks.Row(type, columns, rng);
            var w = RandomBlocks.Dequantize(type, weights, columns);
            var x = Gaussian(columns, rng);
            var (exact, abs) = DotHarness.Exact(w, x);

            var dots = DotHarness.Run(type, weights, x, misalign: 1 + row % 3);
            // SIMD and scalar share every integer sum; only the order of float additions differs.
            Assert.InRange(dots.Simd - dots.Scalar, -RoundingSlack * abs, RoundingSlack * abs);
            // Each activation moves by at most half its block's step d = max|x|/127, so the dot by Σ|w|·d/2.
            var worst = HalfStepBound(type, w, x) + RoundingSlack * abs;
            Assert.InRange(dots.Simd, exact - worst, exact + worst);
            Assert.InRange(dots.Scalar, exact - worst, exact + worst);

            errorSquares += Math.Pow(dots.Simd - exact, 2);
            dotSquares += exact * exact;
        }
        var rmsRelative = Math.Sqrt(errorSquares / dotSquares);
        output.WriteLine($"{type}: RMS(error)/RMS(dot) = {rmsRelative:P3} over {rows} rows of {columns}");
        Assert.InRange(rmsRelative, 0, RmsRelativeBound(type));
    }

    public static TheoryData<GgmlType> Types() => [.. RandomBlocks.Types];

    static double HalfStepBound(GgmlType type, float[] w, float[] x)
    {
        int block = BlockOfActivations(type);
        double bound = 0;
        for (int b = 0; b < x.Length; b += block)
        {
            double step = x.Skip(b).Take(block).Max(v => Math.Abs((double)v)) / 127, absW = 0;
            for (int i = b; i < b + block; i++) absW += Math.Abs(w[i]);
            bound += absW * step / 2;
        }
        return bound * (1 + 1e-6);
    }

    static float[] Gaussian(int n, Random rng) =>
        Enumerable.Range(0, n).Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()))).ToArray();
}
