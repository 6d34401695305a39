using System.Runtime.Intrinsics;
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

    /// <summary>The same for <paramref name="t"/> raw F32 rows (the fused decode step): <paramref name="y"/> (t, hidden) is overwritten.</summary>
    internal unsafe void Decode(float* x, float* y, int t, DecodeScratch scratch)
    {
        int ffn = (int)_ffn;
        fixed (float* gu = scratch.GateUp, activated = scratch.Activated)
        {
            _gateUp.Multiply(x, gu, t);
            float* g = gu, a = activated;
            Kernels.CpuRowSplit.Run(t, get_num_threads(), (r0, r1) => SiluUp(g, a, r0, r1, ffn));
            _down.Multiply(activated, y, t);
        }
    }

    /// <summary>silu(gate) · up of rows r0 … r1 − 1 of <paramref name="gu"/> ((t, 2·ffn): gate, then up) into rows of <paramref name="a"/> ((t, ffn)).</summary>
    static unsafe void SiluUp(float* gu, float* a, int r0, int r1, int ffn)
    {
        for (int r = r0; r < r1; r++)
        {
            float* g = gu + (long)r * 2 * ffn, u = g + ffn, ar = a + (long)r * ffn;
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i + 8 <= ffn; i += 8)
                {
                    // sigmoid from e^−|v| (the softmax exponential's range, a third of the runtime's vector exp's time):
                    // 1 / (1 + e) for v ≥ 0, e / (1 + e) below
                    var v = Vector256.Load(g + i);
                    var e = Kernels.SoftmaxExp.Exp(-Vector256.Abs(v));
                    var sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.One, e) / (Vector256<float>.One + e);
                    (v * sigmoid * Vector256.Load(u + i)).Store(ar + i);
                }
            for (; i < ffn; i++)
            {
                float v = g[i];
                ar[i] = v / (1 + MathF.Exp(-v)) * u[i];
            }
        }
    }

    internal bool MultipliesRaw => _gateUp.MultipliesRaw && _down.MultipliesRaw;

    internal int MaxRawRows => Math.Min(_gateUp.MaxRawRows, _down.MaxRawRows);

    public void Dispose()
    {
        _gateUp.Dispose();
        _down.Dispose();
    }
}
