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

    [Theory]
    [InlineData(1, 3072, 576)]
    [InlineData(2, 97, 61)]
    public void Bf16GemvMatchesTorchOnTheSameBf16Values(int t, int outFeatures, int inFeatures)
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(11);
        var w = randn([outFeatures, inFeatures], generator: gen).to(ScalarType.BFloat16);
        var x = randn([t, inFeatures], generator: gen).to(ScalarType.BFloat16);
        var ours = new Linear(w).Forward(x);
        Assert.Equal(ScalarType.BFloat16, ours.dtype);
        // the reference in F32 from the same BF16 inputs; ours differs only by the final BF16 rounding
        var want = F.linear(x.to(ScalarType.Float32), w.to(ScalarType.Float32));
        var diff = (ours.to(ScalarType.Float32) - want).abs();
        Assert.True((diff <= want.abs() * 8e-3 + 1e-3).all().item<bool>(), $"max diff {diff.max().item<float>()}");
    }

    [Theory]
    [InlineData(16, 3072, 576)]
    [InlineData(CpuGemv.DenseStepRows, 101, 61)]
    public void A_batch_of_f32_rows_against_bf16_weights_keeps_its_rows_in_f32_without_bf16_dot_products(int t, int outFeatures, int inFeatures)
    {
        // a BF16 model's LM head in a batched step: F32 rows, more than a one-off GEMV takes
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(12);
        var w = randn([outFeatures, inFeatures], generator: gen).to(ScalarType.BFloat16);
        var x = randn([t, inFeatures], generator: gen);
        var ours = new Linear(w).Forward(x);
        Assert.Equal(ScalarType.Float32, ours.dtype);
        var want = F.linear(x, w.to(ScalarType.Float32));   // the BF16 values widened exactly, x as it is
        var diff = (ours - want).abs();
        // without BF16 dot products the rows take the GEMV: exact products, F32 sums; with them libtorch's BF16 GEMM,
        // which rounds x to BF16
        bool exact = ComputeDevices.Of(CPU) != ComputeDevice.CpuWithAvx512Bf16;
        Assert.True(exact ? ours.allclose(want, rtol: 1e-4, atol: 1e-4) : (diff <= want.abs() * 8e-3 + 1e-2).all().item<bool>(),
            $"max diff {diff.max().item<float>()}");
    }

    [Fact]
    public void MoreRowsThanTheGemvTakesStillGoThroughTorch()
    {
        using var scope = NewDisposeScope();
        var w = randn(16, 8);
        var x = randn(CpuGemv.OneOffRows + 5, 8);
        Assert.True(new Linear(w).Forward(x).allclose(F.linear(x, w), rtol: 1e-5, atol: 1e-5));
    }

    [Theory]
    [InlineData(1, 4, 16, 1)]
    [InlineData(3, 3, 64, 37)]
    [InlineData(4, 4, 128, 300)]
    [InlineData(2, 4, 128, 33_000)]   // at long-context depth (past 32k): the split over threads and long softmax rows
    public void DecodeAttentionMatchesScaledDotProductAttention(int kvHeads, int rep, int headDim, int length)
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(3);
        // one block of storage (kvHeads, capacity, headDim) with room to spare; the first `length` positions are used
        int capacity = length + 5;
        var keys = randn([kvHeads, capacity, headDim], generator: gen);
        var values = randn([kvHeads, capacity, headDim], generator: gen);
        var q = randn([kvHeads, rep, headDim], generator: gen);
        var ours = DecodeOneBlock(q, keys, values, length);
        var want = F.scaled_dot_product_attention(q, keys.narrow(1, 0, length), values.narrow(1, 0, length));
        Assert.True(ours.allclose(want, rtol: 1e-4, atol: 1e-5), $"max diff {(ours - want).abs().max().item<float>()}");

        // the same cache stored in BF16: compare with torch on the BF16 values widened to F32
        var kb = keys.to(ScalarType.BFloat16);
        var vb = values.to(ScalarType.BFloat16);
        var oursBf16 = DecodeOneBlock(q, kb, vb, length);
        var wantBf16 = F.scaled_dot_product_attention(q, kb.narrow(1, 0, length).to(ScalarType.Float32), vb.narrow(1, 0, length).to(ScalarType.Float32));
        Assert.True(oursBf16.allclose(wantBf16, rtol: 1e-4, atol: 1e-5), $"bf16 max diff {(oursBf16 - wantBf16).abs().max().item<float>()}");

        // stored in Q8_0 rows: compare with torch on the values they dequantize to
        var (kq, kd) = Q8_0(keys);
        var (vq, vd) = Q8_0(values);
        var oursQ8 = DecodeOneBlock(q, kq, vq, length);
        var wantQ8 = F.scaled_dot_product_attention(q, kd.narrow(1, 0, length), vd.narrow(1, 0, length));
        Assert.True(oursQ8.allclose(wantQ8, rtol: 1e-4, atol: 1e-5), $"q8_0 max diff {(oursQ8 - wantQ8).abs().max().item<float>()}");
    }

    /// <summary>F32 (…, headDim) as Q8_0 rows (…, rowBytes) of bytes, and the F32 values those rows hold.</summary>
    static unsafe (Tensor Rows, Tensor Values) Q8_0(Tensor x)
    {
        int headDim = (int)x.shape[^1], rowBytes = Q8_0Rows.RowBytes(headDim);
        long rows = x.numel() / headDim;
        var stored = empty([.. x.shape[..^1], rowBytes], ScalarType.Byte);
        var values = empty_like(x);
        float* src = TensorPointers.Float(x), back = TensorPointers.Float(values);
        byte* dst = TensorPointers.Bytes(stored);
        for (long r = 0; r < rows; r++)
        {
            Q8_0Rows.Quantize(src + r * headDim, dst + r * rowBytes, headDim);
            Q8_0Rows.Dequantize(dst + r * rowBytes, back + r * headDim, headDim);
        }
        return (stored, values);
    }

    /// <summary>F32 values stored in <paramref name="format"/>, and the F32 values the storage holds.</summary>
    static (Tensor Rows, Tensor Values) Stored(Tensor x, KvFormat format)
    {
        if (format == KvFormat.Q8_0) return Q8_0(x);
        var rows = x.to(format.StorageType);
        return (rows, rows.to(ScalarType.Float32));
    }

    static KvFormat FormatOf(Tensor storage) =>
        storage.dtype switch { ScalarType.BFloat16 => KvFormat.BF16, ScalarType.Byte => KvFormat.Q8_0, _ => KvFormat.F32 };

    /// <summary>One sequence whose cache is a single block: all of <paramref name="keys"/>' (kvHeads, capacity, headDim) storage.</summary>
    static unsafe Tensor DecodeOneBlock(Tensor q, Tensor keys, Tensor values, int length)
    {
        int kvHeads = (int)q.shape[0], rep = (int)q.shape[1], headDim = (int)q.shape[2], capacity = (int)keys.shape[1], first = 0, row = 0;
        var output = empty(kvHeads, rep, headDim);
        nint k = (nint)TensorPointers.Bytes(keys), v = (nint)TensorPointers.Bytes(values);
        CpuDecodeAttention.RunPagedBatch(TensorPointers.Float(q), &k, &v, &first, &length, &row, TensorPointers.Float(output), 1,
            kvHeads, rep, headDim, capacity, capacity, FormatOf(keys), Environment.ProcessorCount);
        return output;
    }

    [Theory]
    [InlineData(2, 3, 16, 4, 1)]
    [InlineData(2, 3, 16, 4, 13)]    // the last block partly filled
    [InlineData(4, 4, 64, 16, 64)]   // exactly full blocks
    public unsafe void PagedDecodeAttentionReadsScatteredBlocksInOrder(int kvHeads, int rep, int headDim, int blockTokens, int length)
    {
        using var scope = NewDisposeScope();
        var gen = new TorchSharp.torch.Generator(5);
        // storage of 8 blocks laid out like a pool segment, (kvHeads, 8·B, D); the sequence uses blocks 5, 1, 6, 2, ...
        int[] order = [5, 1, 6, 2, 7, 0, 3, 4];
        int blocks = (length + blockTokens - 1) / blockTokens, stride = 8 * blockTokens;
        var keys = randn([kvHeads, stride, headDim], generator: gen);
        var values = randn([kvHeads, stride, headDim], generator: gen);
        var q = randn([kvHeads, rep, headDim], generator: gen);
        var rows = order.Take(blocks).SelectMany(b => Enumerable.Range(b * blockTokens, blockTokens)).Take(length).Select(r => (long)r).ToArray();
        var index = tensor(rows);
        var want = F.scaled_dot_product_attention(q, keys.index_select(1, index), values.index_select(1, index));

        var ours = empty(kvHeads, rep, headDim);
        var kp = order.Select(b => (nint)(TensorPointers.Float(keys) + b * blockTokens * headDim)).ToArray();
        var vp = order.Select(b => (nint)(TensorPointers.Float(values) + b * blockTokens * headDim)).ToArray();
        int first = 0, row = 0;
        fixed (nint* k = kp, v = vp)
            CpuDecodeAttention.RunPagedBatch(TensorPointers.Float(q), k, v, &first, &length, &row, TensorPointers.Float(ours), 1,
                kvHeads, rep, headDim, blockTokens, stride, KvFormat.F32, threads: 1);
        Assert.True(ours.allclose(want, rtol: 1e-4, atol: 1e-5), $"max diff {(ours - want).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData("f32", 1)]
    [InlineData("f32", 2)]   // enough work to split the (sequence, head) pairs over threads
    [InlineData("bf16", 2)]
    [InlineData("q8_0", 2)]
    // SmolLM2-135M's and SmolLM3-3B's head shapes: F32 and BF16 rows take the 512-bit register-blocked loops there
    [InlineData("f32", 2, 64, 3)]
    [InlineData("bf16", 2, 64, 3)]
    [InlineData("f32", 1, 128, 4)]
    [InlineData("bf16", 2, 128, 4)]
    [InlineData("bf16", 2, 128, 1)]
    [InlineData("q8_0", 2, 128, 4)]
    // the 256-bit loops (CPUs with AVX2 and no AVX-512), by the group's head count
    [InlineData("f32", 2, 64, 3, 256)]
    [InlineData("bf16", 2, 64, 3, 256)]
    [InlineData("f32", 1, 128, 4, 256)]
    [InlineData("bf16", 2, 128, 4, 256)]
    [InlineData("bf16", 1, 48, 2, 256)]
    [InlineData("f32", 2, 32, 1, 256)]
    public unsafe void BatchedPagedDecodeAttentionEqualsEachSequenceAlone(string kvDType, int threads, int headDim = 32, int rep = 3, int widestVector = 512)
    {
        using var scope = NewDisposeScope();
        const int kvHeads = 2, blockTokens = 4, storageBlocks = 256, stride = storageBlocks * blockTokens;
        var gen = new TorchSharp.torch.Generator(9);
        var format = KvFormat.Parse(kvDType);
        // storage in the format, and the F32 values it holds (what torch attends over)
        var (keys, keyValues) = Stored(randn([kvHeads, stride, headDim], generator: gen), format);
        var (values, valueValues) = Stored(randn([kvHeads, stride, headDim], generator: gen), format);
        long blockBytes = (long)blockTokens * format.RowBytes(headDim);
        // three sequences of different lengths on disjoint, scattered blocks; their outputs go to rows 4, 0 and 2 of 5
        int[] lengths = [1, 37, 700], outputRows = [4, 0, 2];
        var blocks = Enumerable.Range(0, storageBlocks).OrderBy(b => (b * 37) % storageBlocks).ToArray();
        var q = randn([lengths.Length, kvHeads, rep, headDim], generator: gen);
        var firstBlock = new int[lengths.Length];
        var keyBlocks = new List<nint>();
        var valueBlocks = new List<nint>();
        var want = zeros(5, kvHeads * rep * headDim);
        byte* kBase = TensorPointers.Bytes(keys), vBase = TensorPointers.Bytes(values);
        for (int i = 0, used = 0; i < lengths.Length; i++)
        {
            int count = (lengths[i] + blockTokens - 1) / blockTokens;
            var mine = blocks.Skip(used).Take(count).ToArray();
            (firstBlock[i], used) = (keyBlocks.Count, used + count);
            keyBlocks.AddRange(mine.Select(b => (nint)(kBase + b * blockBytes)));
            valueBlocks.AddRange(mine.Select(b => (nint)(vBase + b * blockBytes)));
            var index = tensor(mine.SelectMany(b => Enumerable.Range(b * blockTokens, blockTokens)).Take(lengths[i]).Select(r => (long)r).ToArray());
            var alone = F.scaled_dot_product_attention(q[i], keyValues.index_select(1, index), valueValues.index_select(1, index));
            want[outputRows[i]] = alone.reshape(-1);
        }

        var ours = zeros(5, kvHeads * rep * headDim);
        fixed (nint* kb = keyBlocks.ToArray(), vb = valueBlocks.ToArray())
        fixed (int* f = firstBlock, l = lengths, r = outputRows)
            CpuDecodeAttention.RunPagedBatch(TensorPointers.Float(q.contiguous()), kb, vb, f, l, r, TensorPointers.Float(ours), lengths.Length,
                kvHeads, rep, headDim, blockTokens, stride, format, threads, widestVector);
        Assert.True(ours.allclose(want, rtol: 1e-4, atol: 1e-5), $"max diff {(ours - want).abs().max().item<float>()}");
    }
}
