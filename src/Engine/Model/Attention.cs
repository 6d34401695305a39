using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>Grouped-query self-attention over a ragged batch; RoPE is skipped on NoPE layers.</summary>
public sealed class Attention : IDisposable
{
    readonly int _heads, _kvHeads, _headDim, _layer;
    readonly bool _rope;
    readonly Linear _qkv;    // ((H + 2·KVH)·D, hidden): q_proj, k_proj, v_proj rows stacked, one matmul for all three
    readonly Linear _oProj;  // (hidden, H·D)

    /// <param name="qkv">q_proj, k_proj and v_proj rows stacked in that order.</param>
    public Attention(ModelConfig config, int layer, Linear qkv, Linear oProj)
    {
        (_heads, _kvHeads, _headDim, _layer) = (config.NumHeads, config.NumKvHeads, config.HeadDim, layer);
        _rope = config.UsesRope(layer);
        _qkv = qkv;
        _oProj = oProj;
    }

    /// <param name="x">(T, hidden) — the tokens of every sequence in the batch, concatenated.</param>
    public Tensor Forward(Tensor x, BatchLayout batch, Tensor cos, Tensor sin)
    {
        long t = x.shape[0];
        // 1. (T, hidden) -> (T, H + 2·KVH, D)
        var qkv = _qkv.Forward(x).view(t, _heads + 2 * _kvHeads, _headDim);
        // 2. rotate q and k heads together by absolute position (not on NoPE layers)
        var qk = qkv.narrow(1, 0, _heads + _kvHeads);
        if (_rope) qk = RotaryEmbedding.Apply(qk, cos, sin);
        var q = qk.narrow(1, 0, _heads);
        var k = qk.narrow(1, _heads, _kvHeads);
        var v = qkv.narrow(1, _heads + _kvHeads, _kvHeads);
        // 3. per sequence: append to its cache and attend over everything cached
        var outputs = new Tensor[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            var (offset, len, cache) = (batch.Offsets[i], batch.Lengths[i], batch.Caches[i]);
            cache.Append(_layer, k.narrow(0, offset, len), v.narrow(0, offset, len));
            if (len == 1 && cache.Pool.Device.type == DeviceType.CPU && cache.Pool.DType is ScalarType.Float32 or ScalarType.BFloat16)
                outputs[i] = AttendOneCpu(q.narrow(0, offset, 1), cache);
            else
            {
                // prefill (and other devices) attend over the blocks gathered into one (KVH, S, D) view
                var (keys, values) = cache.Gather(_layer, cache.Length + len);
                outputs[i] = Attend(q.narrow(0, offset, len), keys, values, cache.Length);
            }
        }
        // 4. (T, H·D) -> (T, hidden)
        var merged = outputs.Length == 1 ? outputs[0] : cat(outputs, 0);
        return _oProj.Forward(merged);
    }

    /// <summary>
    /// Folds the query heads that share a KV head into the row dimension, (L, H, D) -> (KVH, rep·L, D),
    /// so keys and values are never copied per head.
    /// </summary>
    Tensor Attend(Tensor q, Tensor keys, Tensor values, int past)
    {
        long len = q.shape[0], total = keys.shape[1];
        int rep = _heads / _kvHeads;
        var grouped = q.permute(1, 0, 2).reshape(_kvHeads, rep * len, _headDim);
        Tensor? mask = null;
        if (len > 1)
        {
            // query i (at position past+i) sees keys 0..past+i
            var rows = arange(past, past + len, device: q.device).unsqueeze(1);
            var cols = arange(total, device: q.device).unsqueeze(0);
            mask = cols.le(rows).unsqueeze(0).expand(rep, len, total).reshape(rep * len, total);
        }
        var o = F.scaled_dot_product_attention(grouped, keys, values, mask);
        // (KVH, rep·L, D) -> (H, L, D) -> (L, H·D)
        return o.view(_heads, len, _headDim).permute(1, 0, 2).reshape(len, _heads * _headDim);
    }

    /// <summary>One decode position on the CPU (F32 or BF16 cache): (1, H, D) -> (1, H·D) through <see cref="CpuDecodeAttention"/>, reading the blocks in place, computed in F32.</summary>
    unsafe Tensor AttendOneCpu(Tensor q, KvCache cache)
    {
        int rep = _heads / _kvHeads, length = cache.Length + 1;
        int blocks = cache.Pool.BlocksFor(length);
        Span<nint> keys = blocks <= 256 ? stackalloc nint[blocks] : new nint[blocks];
        Span<nint> values = blocks <= 256 ? stackalloc nint[blocks] : new nint[blocks];
        cache.Pointers(_layer, length, keys, values);
        var grouped = q.reshape(_kvHeads, rep, _headDim).to(ScalarType.Float32).contiguous();
        var output = empty([1, _heads * _headDim], ScalarType.Float32);
        fixed (nint* k = keys, v = values)
            CpuDecodeAttention.RunPaged(TensorPointers.Float(grouped), k, v, TensorPointers.Float(output),
                _kvHeads, rep, _headDim, cache.Pool.BlockTokens, cache.Pool.HeadStride, length, cache.Pool.DType == ScalarType.BFloat16);
        return output.dtype == q.dtype ? output : output.to(q.dtype);
    }

    public void Dispose()
    {
        _qkv.Dispose();
        _oProj.Dispose();
    }
}
