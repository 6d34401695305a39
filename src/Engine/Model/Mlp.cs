using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)), with gate and up stacked into one matrix so one matmul reads both.</summary>
public sealed class Mlp : IDisposable
{
    readonly Linear _gateUp;   // (2·ffn, hidden): gate_proj rows, then up_proj rows
    readonly Linear _down;     // (hidden, ffn)
    readonly long _ffn;

    /// <param name="gateUp">gate_proj rows stacked over up_proj rows.</param>
    public Mlp(Linear gateUp, Linear down)
    {
        _ffn = gateUp.OutFeatures / 2;
        _gateUp = gateUp;
        _down = down;
    }

    public Tensor Forward(Tensor x)
    {
        var gu = _gateUp.Forward(x);
        return _down.Forward(F.silu(gu.narrow(-1, 0, _ffn)).mul_(gu.narrow(-1, _ffn, _ffn)));
    }

    public void Dispose()
    {
        _gateUp.Dispose();
        _down.Dispose();
    }
}
