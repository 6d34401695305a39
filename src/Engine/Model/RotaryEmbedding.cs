using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Rotary position embedding in Hugging Face's "rotate half" layout (GGUF Q/K rows are un-permuted
/// at load so this one layout serves both formats), with optional YaRN frequency scaling.
/// </summary>
public sealed class RotaryEmbedding
{
    readonly double[] _invFreq;
    readonly double _attentionFactor;

    public RotaryEmbedding(ModelConfig config)
    {
        (_invFreq, _attentionFactor) = config.Yarn is { } yarn
            ? YarnFrequencies(config.HeadDim, config.RopeTheta, yarn)
            : (DefaultFrequencies(config.HeadDim, config.RopeTheta), 1.0);
    }

    internal IReadOnlyList<double> InverseFrequencies => _invFreq;
    internal double AttentionFactor => _attentionFactor;

    static double[] DefaultFrequencies(int dim, double theta) =>
        Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dim)).ToArray();

    /// <summary>YaRN: interpolate low frequencies, keep high ones, blend with a linear ramp between the correction dims.</summary>
    static (double[], double) YarnFrequencies(int dim, double theta, YarnScaling yarn)
    {
        double CorrectionDim(double rotations) =>
            dim * Math.Log(yarn.OriginalMaxPositionEmbeddings / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = Math.Max(Math.Floor(CorrectionDim(yarn.BetaFast)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDim(yarn.BetaSlow)), dim - 1);
        if (low == high) high += 0.001;
        var inv = new double[dim / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            double posFreq = Math.Pow(theta, 2.0 * i / dim);
            double ramp = Math.Clamp((i - low) / (high - low), 0, 1);
            double extrapolationWeight = 1 - ramp;
            inv[i] = 1 / (yarn.Factor * posFreq) * (1 - extrapolationWeight) + 1 / posFreq * extrapolationWeight;
        }
        double attention = yarn.AttentionFactor ?? (yarn.Factor <= 1 ? 1 : 0.1 * Math.Log(yarn.Factor) + 1);
        return (inv, attention);
    }

    /// <summary>
    /// cos and signed sin for the given positions, each (T, 1, D), angles computed in double. The sin
    /// half that meets x1 in rotate_half is negated here, so <see cref="Apply"/> needs only a roll.
    /// </summary>
    public (Tensor Cos, Tensor Sin) Angles(ReadOnlySpan<long> positions, ScalarType dtype, Device device)
    {
        int half = _invFreq.Length, d = 2 * half, t = positions.Length;
        var cos = new float[t * d];
        var sin = new float[t * d];
        for (int p = 0; p < t; p++)
            for (int i = 0; i < half; i++)
            {
                double a = positions[p] * _invFreq[i];
                float c = (float)(Math.Cos(a) * _attentionFactor), s = (float)(Math.Sin(a) * _attentionFactor);
                cos[p * d + i] = cos[p * d + half + i] = c;
                sin[p * d + i] = -s;
                sin[p * d + half + i] = s;
            }
        return (tensor(cos, [t, 1, d]).to(dtype, device), tensor(sin, [t, 1, d]).to(dtype, device));
    }

    /// <summary>
    /// x · cos + rotate_half(x) · sin for x of shape (T, heads, D), where rotate_half(x) = (−x2, x1):
    /// rolling x by D/2 gives (x2, x1), and the signed sin from <see cref="Angles"/> supplies the minus.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin) =>
        (x * cos).add_(x.roll(x.shape[^1] / 2, -1).mul_(signedSin));
}
