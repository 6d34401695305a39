using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>Pre-norm transformer block: x + attn(norm(x)), then x + mlp(norm(x)).</summary>
public sealed class DecoderLayer(RmsNorm inputLayernorm, Attention selfAttn, RmsNorm postAttentionLayernorm, Mlp mlp) : IDisposable
{
    public Tensor Forward(Tensor x, BatchLayout batch, Tensor cos, Tensor sin)
    {
        var h = x + selfAttn.Forward(inputLayernorm.Forward(x), batch, cos, sin);
        return h + mlp.Forward(postAttentionLayernorm.Forward(h));
    }

    /// <summary>
    /// The same block for a fused decode step on raw F32 rows: <paramref name="x"/> (t, hidden) is updated in place, the
    /// norms, RoPE, SiLU·up and residual adds run as loops between the matmuls instead of one libtorch call each.
    /// </summary>
    internal unsafe void Decode(float* x, int t, int hidden, BatchLayout batch, float* cos, float* sin, DecodeScratch scratch)
    {
        fixed (float* normed = scratch.Normed, projected = scratch.Projected)
        {
            float* n = normed, p = projected;
            int threads = get_num_threads();
            CpuRowSplit.Run(t, threads, (r0, r1) => inputLayernorm.Apply(x + (long)r0 * hidden, n + (long)r0 * hidden, r1 - r0, hidden));
            selfAttn.Decode(normed, projected, t, batch, cos, sin, scratch);
            CpuRowSplit.Run(t, threads, (r0, r1) =>
            {
                long at = (long)r0 * hidden;
                Add(x + at, p + at, (r1 - r0) * hidden);
                postAttentionLayernorm.Apply(x + at, n + at, r1 - r0, hidden);
            });
            mlp.Decode(normed, projected, t, scratch);
            Add(x, projected, t * hidden);   // a few thousand adds: less than a hand-off
        }
    }

    static unsafe void Add(float* x, float* y, int n)
    {
        int i = 0;
        for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) + Vector256.Load(y + i)).Store(x + i);
        for (; i < n; i++) x[i] += y[i];
    }

    /// <summary>Whether every matmul of the block takes raw F32 rows (<see cref="Linear.MultipliesRaw"/>).</summary>
    internal bool DecodesRaw => selfAttn.MultipliesRaw && mlp.MultipliesRaw;

    /// <summary>Most sequences one fused step of this block takes.</summary>
    internal int MaxDecodeRows => Math.Min(selfAttn.MaxRawRows, mlp.MaxRawRows);

    public void Dispose()
    {
        inputLayernorm.Dispose();
        selfAttn.Dispose();
        postAttentionLayernorm.Dispose();
        mlp.Dispose();
    }
}
