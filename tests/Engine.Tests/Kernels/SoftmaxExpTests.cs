using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The softmax exponential against exp in double: relative error, underflow to zero, and −∞ (a masked score).</summary>
public class SoftmaxExpTests
{
    [Fact]
    public void Matches_exp_within_twelve_parts_in_a_hundred_million_and_gives_zero_far_below_and_at_minus_infinity()
    {
        var random = new Random(7);
        var values = new float[80_000];
        for (int i = 0; i < values.Length; i++) values[i] = i < 1000 ? -i * 0.087f : -(float)(random.NextDouble() * 87);
        values[1] = 0f;
        values[2] = -0f;
        for (int i = 0; i < values.Length; i += 8)
        {
            var e = SoftmaxExp.Exp(Vector256.Create(values, i));
            for (int lane = 0; lane < 8; lane++)
            {
                double want = Math.Exp(values[i + lane]);
                Assert.True(Math.Abs(e[lane] - want) <= 1.2e-7 * want + 1e-45, $"exp({values[i + lane]}) = {e[lane]}, want {want}");
            }
        }
        var far = SoftmaxExp.Exp(Vector256.Create(-87.5f, -100f, -1e30f, float.NegativeInfinity, -87.5f, -200f, float.MinValue, float.NegativeInfinity));
        Assert.Equal(Vector256<float>.Zero, far);
        Assert.Equal(1f, SoftmaxExp.Exp(Vector256<float>.Zero)[0]);
    }
}
