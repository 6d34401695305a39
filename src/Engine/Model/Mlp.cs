using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class Mlp(Tensor gateProj, Tensor upProj, Tensor downProj) : IDisposable
{
    public Tensor Forward(Tensor x) =>
        F.linear(F.silu(F.linear(x, gateProj)) * F.linear(x, upProj), downProj);

    public void Dispose()
    {
        gateProj.Dispose();
        upProj.Dispose();
        downProj.Dispose();
    }
}
