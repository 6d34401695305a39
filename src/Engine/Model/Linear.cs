using SmolLM3.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>
/// A bias-free linear layer, y = x · Wᵀ. Decode-sized inputs on the CPU with F32 or BF16 weights take
/// <see cref="CpuGemv"/> (computing in F32); everything else (prefill, F16, GPUs) goes to libtorch.
/// </summary>
public sealed class Linear : IDisposable
{
    readonly Tensor _weight;   // (out, in)
    readonly bool _gemv;

    public Linear(Tensor weight)
    {
        _weight = weight.is_contiguous() ? weight : weight.contiguous();
        _gemv = _weight.device_type == DeviceType.CPU && _weight.dtype is ScalarType.Float32 or ScalarType.BFloat16;
    }

    public Tensor Weight => _weight;
    public long OutFeatures => _weight.shape[0];
    public long InFeatures => _weight.shape[1];

    public Tensor Forward(Tensor x)
    {
        if (!_gemv || x.dtype != _weight.dtype || x.dim() != 2 || x.shape[0] is 0 or > CpuGemv.MaxRows) return F.linear(x, _weight);
        var y = Gemv(x.to(ScalarType.Float32).contiguous());
        return y.dtype == x.dtype ? y : y.to(x.dtype);
    }

    unsafe Tensor Gemv(Tensor x)
    {
        int t = (int)x.shape[0];
        var y = empty([t, OutFeatures], ScalarType.Float32);
        if (_weight.dtype == ScalarType.BFloat16)
            CpuGemv.Multiply(TensorPointers.BFloat16(_weight), TensorPointers.Float(x), TensorPointers.Float(y), t, (int)OutFeatures, (int)InFeatures, get_num_threads());
        else
            CpuGemv.Multiply(TensorPointers.Float(_weight), TensorPointers.Float(x), TensorPointers.Float(y), t, (int)OutFeatures, (int)InFeatures, get_num_threads());
        return y;
    }

    public void Dispose() => _weight.Dispose();
}
