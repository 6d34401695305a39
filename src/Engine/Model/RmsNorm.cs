using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>Root-mean-square layer norm, computed in float32 and cast back, as Hugging Face does.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    public Tensor Forward(Tensor x)
    {
        if (x.dtype == ScalarType.Float32) return x * x.square().mean([-1], keepdim: true).add_(eps).rsqrt_() * weight;
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * x32.square().mean([-1], keepdim: true).add_(eps).rsqrt_();
        return weight * normed.to(x.dtype);
    }

    public void Dispose() => weight.Dispose();
}
