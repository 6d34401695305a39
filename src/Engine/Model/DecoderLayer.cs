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

    public void Dispose()
    {
        inputLayernorm.Dispose();
        selfAttn.Dispose();
        postAttentionLayernorm.Dispose();
        mlp.Dispose();
    }
}
