using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The hand-written CPU kernels against libtorch on the same inputs.</summary>
public class KernelTests
{
    [Theory]
    [InlineData(1, 3072, 576)]
    [InlineData(3, 97, 61)]     // sizes that are not multiples of the vector width
    [InlineData(8, 130, 1536)]
    public void GemvMatchesTorchLinear(int t, int outFeatures, int inFeatures)
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(7);
        var w = randn([outFeatures, inFeatures], generator: gen);
        // a view with a storage offset, as the model's narrowed activations are
        var x = randn([t + 2, inFeatures], generator: gen).narrow(0, 1, t);
        var layer = new Linear(w);
        var ours = layer.Forward(x);
        var want = F.linear(x, w);
        Assert.True(ours.allclose(want, rtol: 1e-4, atol: 1e-4), $"max diff {(ours - want).abs().max().item<float>()}");
    }

    [Fact]
    public void MoreRowsThanTheGemvTakesStillGoThroughTorch()
    {
        using var scope = NewDisposeScope();
        var w = randn(16, 8);
        var x = randn(CpuGemv.MaxRows + 5, 8);
        Assert.True(new Linear(w).Forward(x).allclose(F.linear(x, w), rtol: 1e-5, atol: 1e-5));
    }

    [Theory]
    [InlineData(1, 4, 16, 1)]
    [InlineData(3, 3, 64, 37)]
    [InlineData(4, 4, 128, 300)]
    public unsafe void DecodeAttentionMatchesScaledDotProductAttention(int kvHeads, int rep, int headDim, int length)
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(3);
        int capacity = length + 5;
        var keys = randn([kvHeads, capacity, headDim], generator: gen);
        var values = randn([kvHeads, capacity, headDim], generator: gen);
        var q = randn([kvHeads, rep, headDim], generator: gen);
        var ours = empty(kvHeads, rep, headDim);
        CpuDecodeAttention.Run(TensorPointers.Float(q), TensorPointers.Float(keys), TensorPointers.Float(values), TensorPointers.Float(ours),
            kvHeads, rep, headDim, capacity, length);
        var want = F.scaled_dot_product_attention(q, keys.narrow(1, 0, length), values.narrow(1, 0, length));
        Assert.True(ours.allclose(want, rtol: 1e-4, atol: 1e-5), $"max diff {(ours - want).abs().max().item<float>()}");
    }
}
