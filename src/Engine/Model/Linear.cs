using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>
/// A bias-free linear layer, y = x · Wᵀ, with W dense (a tensor) or packed (Q8_0, CPU only).
/// Decode-sized inputs on the CPU with F32, BF16 or Q8_0 weights take <see cref="CpuGemv"/> (computing
/// in F32); everything else (prefill, F16, GPUs) goes to libtorch, a packed W dequantized for the call.
/// </summary>
public sealed class Linear : IDisposable
{
    readonly Tensor? _weight;        // (out, in)
    readonly PackedWeight? _packed;
    readonly bool _gemv;

    public Linear(Tensor weight)
    {
        _weight = weight.is_contiguous() ? weight : weight.contiguous();
        _gemv = _weight.device_type == DeviceType.CPU && _weight.dtype is ScalarType.Float32 or ScalarType.BFloat16;
    }

    public Linear(PackedWeight packed)
    {
        _packed = packed;
        _gemv = true;
    }

    public long OutFeatures => _weight?.shape[0] ?? _packed!.Rows;
    public long InFeatures => _weight?.shape[1] ?? _packed!.Columns;

    public Tensor Forward(Tensor x)
    {
        bool decodeSized = x.dim() == 2 && x.shape[0] is > 0 and <= CpuGemv.MaxRows && x.device_type == DeviceType.CPU;
        if (_gemv && decodeSized && (_packed is not null || x.dtype == _weight!.dtype))
        {
            var y = Gemv(x.to(ScalarType.Float32).contiguous());
            return y.dtype == x.dtype ? y : y.to(x.dtype);
        }
        if (_weight is not null) return F.linear(x, _weight);
        using var dense = Dequantized();
        return F.linear(x.dtype == ScalarType.Float32 ? x : x.to(ScalarType.Float32), dense).to(x.dtype);
    }

    /// <summary>The packed matrix as a dense F32 tensor, written straight into the tensor's storage (one copy).</summary>
    unsafe Tensor Dequantized()
    {
        var dense = empty([_packed!.Rows, _packed.Columns], ScalarType.Float32);
        _packed.DequantizeInto(TensorPointers.Float(dense));
        return dense;
    }

    unsafe Tensor Gemv(Tensor x)
    {
        var y = empty([x.shape[0], OutFeatures], ScalarType.Float32);
        Multiply(TensorPointers.Float(x), TensorPointers.Float(y), (int)x.shape[0]);
        return y;
    }

    /// <summary>Whether <see cref="Multiply"/> can take raw F32 rows (a CPU weight in F32, BF16 or packed).</summary>
    internal bool MultipliesRaw => _gemv;

    /// <summary>y = x · Wᵀ on raw F32 rows: <paramref name="x"/> (t, in), <paramref name="y"/> (t, out) overwritten; t at most <see cref="CpuGemv.MaxRows"/>.</summary>
    internal unsafe void Multiply(float* x, float* y, int t)
    {
        int rows = (int)OutFeatures, cols = (int)InFeatures, threads = get_num_threads();
        if (_packed is not null)
            fixed (sbyte* q = _packed.Quants)
            fixed (float* s = _packed.Scales)
                CpuGemv.MultiplyQ8_0(q, s, x, y, t, rows, cols, threads);
        else if (_weight!.dtype == ScalarType.BFloat16)
            CpuGemv.Multiply(TensorPointers.BFloat16(_weight), x, y, t, rows, cols, threads);
        else
            CpuGemv.Multiply(TensorPointers.Float(_weight), x, y, t, rows, cols, threads);
    }

    public void Dispose() => _weight?.Dispose();
}
