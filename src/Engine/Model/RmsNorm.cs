using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>Root-mean-square layer norm, computed in float32 and cast back, as Hugging Face does.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    public Tensor Forward(Tensor x)
    {
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * x32.pow(2).mean([-1], keepdim: true).add(eps).rsqrt();
        return weight * normed.to(x.dtype);
    }

    public void Dispose() => weight.Dispose();
}
