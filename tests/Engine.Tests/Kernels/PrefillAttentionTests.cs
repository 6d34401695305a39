using SmolLM3.Engine.Kernels;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The tiled prefill attention kernel against libtorch's SDPA with a causal mask, on the same keys and values.</summary>
public class PrefillAttentionTests
{
    [Theory]
    // kvHeads, rep, headDim, blockTokens, past, length
    [InlineData(1, 1, 8, 4, 0, 1)]        // one position: sees only itself
    [InlineData(3, 3, 64, 16, 0, 100)]    // a first chunk: every tile on the diagonal is masked in part
    [InlineData(3, 3, 64, 16, 5, 7)]      // a chunk starting and ending inside blocks
    [InlineData(2, 4, 128, 16, 300, 64)]  // past a few tiles, the chunk crossing a tile boundary
    [InlineData(4, 4, 128, 256, 250, 37)] // large blocks, a chunk crossing a block boundary
    [InlineData(1, 2, 40, 4, 64, 64)]     // head dim not a multiple of 32; chunk aligned with the tiles
    [InlineData(3, 3, 64, 16, 1000, 1)]   // a single position deep in the cache (a decode through this kernel)
    public void MatchesScaledDotProductAttentionOverScatteredBlocks(int kvHeads, int rep, int headDim, int blockTokens, int past, int length)
    {
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            using var scope = NewDisposeScope();
            var (ours, want) = Compare(kvHeads, rep, headDim, blockTokens, past, length, dtype, threads: 2);
            var diff = (ours - want).abs().max().item<float>();
            Assert.True(diff <= 1e-5f, $"{dtype}: max |Δ| {diff}");
        }
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheResult()
    {
        using var scope = NewDisposeScope();
        var (one, _) = Compare(2, 3, 64, 16, 130, 90, ScalarType.Float32, threads: 1);
        var (two, _) = Compare(2, 3, 64, 16, 130, 90, ScalarType.Float32, threads: 2);
        Assert.True(one.eq(two).all().item<bool>());
    }

    /// <summary>
    /// Keys and values for past + length positions in storage laid out as a pool segment, (KVH, blocks·B, D), the
    /// sequence's blocks scattered over it; returns the kernel's output and SDPA's on the same values widened to F32.
    /// </summary>
    static unsafe (Tensor Ours, Tensor Want) Compare(int kvHeads, int rep, int headDim, int blockTokens, int past, int length, ScalarType dtype, int threads)
    {
        var gen = new TorchSharp.torch.Generator(11);
        int total = past + length, blocks = (total + blockTokens - 1) / blockTokens, storageBlocks = blocks + 3;
        int stride = storageBlocks * blockTokens;
        var keys = randn([kvHeads, stride, headDim], generator: gen).to(dtype);
        var values = randn([kvHeads, stride, headDim], generator: gen).to(dtype);
        var q = randn([length, kvHeads * rep, headDim], generator: gen);
        // block b of the sequence is storage block order[b]: a permutation that leaves few neighbours adjacent
        var order = Enumerable.Range(0, storageBlocks).OrderBy(b => (b * 7 + 3) % storageBlocks).Take(blocks).ToArray();
        var rows = tensor(order.SelectMany(b => Enumerable.Range(b * blockTokens, blockTokens)).Take(total).Select(r => (long)r).ToArray());

        // SDPA: (KVH, rep·L, D) queries over (KVH, total, D) keys, query i at position past + i sees keys 0..past + i
        var grouped = q.view(length, kvHeads, rep, headDim).permute(1, 2, 0, 3).reshape(kvHeads, rep * length, headDim);
        var k = keys.index_select(1, rows).to(ScalarType.Float32);
        var v = values.index_select(1, rows).to(ScalarType.Float32);
        var visible = arange(total).unsqueeze(0).le(arange(past, total).unsqueeze(1));   // (L, total)
        var mask = visible.unsqueeze(0).expand(rep, length, total).reshape(rep * length, total);
        var want = F.scaled_dot_product_attention(grouped, k, v, mask)
            .view(kvHeads, rep, length, headDim).permute(2, 0, 1, 3).reshape(length, kvHeads * rep * headDim);

        long blockBytes = (long)blockTokens * headDim * keys.ElementSize;
        byte* kBase = TensorPointers.Bytes(keys), vBase = TensorPointers.Bytes(values);
        var kp = order.Select(b => (nint)(kBase + b * blockBytes)).ToArray();
        var vp = order.Select(b => (nint)(vBase + b * blockBytes)).ToArray();
        var ours = full([length, kvHeads * rep * headDim], float.NaN);
        var layout = new CpuPrefillAttention.Layout(kvHeads, rep, headDim, blockTokens, stride, headDim * (int)keys.ElementSize);
        delegate*<byte*, float*, int, void> toFloat = dtype == ScalarType.BFloat16 ? &CpuPrefillAttention.Bf16Row : &CpuPrefillAttention.F32Row;
        fixed (nint* kb = kp, vb = vp)
            CpuPrefillAttention.Run(TensorPointers.Float(q), TensorPointers.Float(ours), past, length, (byte**)kb, (byte**)vb, layout, toFloat, threads);
        return (ours, want);
    }
}
