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
        fixed (float* gu = scratch.GateUp)
        {
            _gateUp.Multiply(x, gu, t);
            // silu(gate) · up packed into the first t·ffn floats as (t, ffn) rows (row r's writes never reach rows not yet read)
            for (int r = 0; r < t; r++)
            {
                float* g = gu + (long)r * 2 * ffn, u = g + ffn, a = gu + (long)r * ffn;
                int i = 0;
                if (Vector256.IsHardwareAccelerated)   // eight lanes read before they are written, as the scalar loop reads one
                    for (; i + 8 <= ffn; i += 8)
                    {
                        // sigmoid from e^−|v| (the softmax exponential's range, a third of the runtime's vector exp's time):
                        // 1 / (1 + e) for v ≥ 0, e / (1 + e) below; this step runs on one thread while the others wait
                        var v = Vector256.Load(g + i);
                        var e = Kernels.SoftmaxExp.Exp(-Vector256.Abs(v));
                        var sigmoid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), Vector256<float>.One, e) / (Vector256<float>.One + e);
                        (v * sigmoid * Vector256.Load(u + i)).Store(a + i);
                    }
                for (; i < ffn; i++)
                {
                    float v = g[i];
                    a[i] = v / (1 + MathF.Exp(-v)) * u[i];
                }
            }
            _down.Multiply(gu, y, t);
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
