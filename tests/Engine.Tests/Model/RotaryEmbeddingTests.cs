using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Model;

public class RotaryEmbeddingTests
{
    static ModelConfig Config(YarnScaling? yarn) => new()
    {
        Architecture = "smollm3", VocabSize = 10, HiddenSize = 2048, IntermediateSize = 8, NumLayers = 1,
        NumHeads = 16, NumKvHeads = 4, RopeTheta = 5e6, Yarn = yarn,
    };

    [Fact]
    public void DefaultFrequenciesFollowTheta()
    {
        var rope = new RotaryEmbedding(Config(null));
        Assert.Equal(64, rope.InverseFrequencies.Count);
        Assert.Equal(1.0, rope.InverseFrequencies[0]);
        Assert.Equal(Math.Pow(5e6, -2.0 * 10 / 128), rope.InverseFrequencies[10], 15);
        Assert.Equal(1.0, rope.AttentionFactor);
    }

    [Fact]
    public void YarnKeepsFastDimensionsAndStretchesSlowOnes()
    {
        var plain = new RotaryEmbedding(Config(null));
        var yarn = new RotaryEmbedding(Config(new YarnScaling(4, 65536)));
        // dimensions rotating many times over the original context are extrapolated (unchanged) ...
        Assert.Equal(plain.InverseFrequencies[0], yarn.InverseFrequencies[0], 15);
        // ... those rotating less than once are interpolated (divided by the factor) ...
        Assert.Equal(plain.InverseFrequencies[63] / 4, yarn.InverseFrequencies[63], 15);
        // ... and the ones between are blended monotonically.
        for (int i = 0; i < 64; i++)
            Assert.InRange(yarn.InverseFrequencies[i] / plain.InverseFrequencies[i], 0.25 - 1e-12, 1 + 1e-12);
        Assert.Equal(0.1 * Math.Log(4) + 1, yarn.AttentionFactor, 12);
    }

    [Fact]
    public void ApplyRotatesEachPairByItsAngle()
    {
        // one head, D = 4: pairs (x0, x2) and (x1, x3) rotate by p·f0 and p·f1
        var cfg = Config(null) with { HiddenSize = 4, NumHeads = 1, NumKvHeads = 1, RopeTheta = 100 };
        var rope = new RotaryEmbedding(cfg);
        var (cos, sin) = rope.Angles([3], ScalarType.Float64, CPU);
        var x = tensor(new double[] { 1, 2, 3, 4 }).view(1, 1, 4);
        var y = RotaryEmbedding.Apply(x, cos, sin).data<double>().ToArray();
        double a0 = 3 * 1.0, a1 = 3 * Math.Pow(100, -0.5);
        var expected = new[]
        {
            1 * Math.Cos(a0) - 3 * Math.Sin(a0), 2 * Math.Cos(a1) - 4 * Math.Sin(a1),
            3 * Math.Cos(a0) + 1 * Math.Sin(a0), 4 * Math.Cos(a1) + 2 * Math.Sin(a1),
        };
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 6);
    }
}
