using SmolLM3.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>
/// A bias-free linear layer, y = x · Wᵀ. Decode-sized F32 inputs on the CPU take <see cref="CpuGemv"/>;
/// everything else (prefill, other dtypes, GPUs) goes to libtorch.
/// </summary>
public sealed class Linear : IDisposable
{
    readonly Tensor _weight;   // (out, in)
    readonly bool _gemv;

    public Linear(Tensor weight)
    {
        _weight = weight.is_contiguous() ? weight : weight.contiguous();
        _gemv = _weight.device_type == DeviceType.CPU && _weight.dtype == ScalarType.Float32;
    }

    public Tensor Weight => _weight;
    public long OutFeatures => _weight.shape[0];
    public long InFeatures => _weight.shape[1];

    public Tensor Forward(Tensor x)
    {
        if (!_gemv || x.dtype != ScalarType.Float32 || x.dim() != 2 || x.shape[0] is 0 or > CpuGemv.MaxRows) return F.linear(x, _weight);
        return Gemv(x.is_contiguous() ? x : x.contiguous());
    }

    unsafe Tensor Gemv(Tensor x)
    {
        int t = (int)x.shape[0];
        var y = empty([t, OutFeatures], ScalarType.Float32);
        CpuGemv.Multiply(TensorPointers.Float(_weight), TensorPointers.Float(x), TensorPointers.Float(y), t, (int)OutFeatures, (int)InFeatures, get_num_threads());
        return y;
    }

    public void Dispose() => _weight.Dispose();
}
