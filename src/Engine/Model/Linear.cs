using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SmolLM3.Engine.Model;

/// <summary>
/// A bias-free linear layer, y = x · Wᵀ, with W dense (a tensor, any device) or packed (GGUF blocks, CPU only):
/// one or more packed matrices of the same width stacked by rows, each in its own type (a Q4_K_M file's
/// Q/K/V mixes Q4_K and Q6_K; a BF16 checkpoint computed in F32 keeps its matrices as BF16 rows). Decode-sized inputs on the CPU with F32, BF16 or packed weights take
/// <see cref="CpuGemv"/> (computing in F32); packed weights with more rows take <see cref="PackedMatmul"/>'s
/// dequantized tiles; everything else (dense prefill, F16, GPUs) goes to libtorch.
/// </summary>
public sealed class Linear : IDisposable
{
    readonly Tensor? _weight;        // (out, in)
    readonly PackedStack? _packed;
    readonly bool _gemv;

    public Linear(Tensor weight)
    {
        _weight = weight.is_contiguous() ? weight : weight.contiguous();
        _gemv = _weight.device_type == DeviceType.CPU && _weight.dtype is ScalarType.Float32 or ScalarType.BFloat16;
        _bf16WithoutDots = _gemv && _weight.dtype == ScalarType.BFloat16 && ComputeDevices.Of(CPU) != ComputeDevice.CpuWithAvx512Bf16;
    }

    /// <summary>
    /// BF16 weights on a CPU without BF16 dot products: libtorch's BF16 GEMM there widens every product (84 % of a
    /// 16-sequence step as a batch's LM head; docs/benchmarks.md), so F32 rows up to a fused step's take the GEMV.
    /// </summary>
    readonly bool _bf16WithoutDots;

    readonly PackedMath _math;

    public Linear(params PackedWeight[] parts) : this(PackedMath.QuantizedActivations, parts) { }

    /// <param name="math">How decode multiplies by the packed matrices.</param>
    public Linear(PackedMath math, params PackedWeight[] parts)
    {
        _math = math;
        _packed = new PackedStack(parts);
        _gemv = true;
        _bf16Tiles = math == PackedMath.QuantizedActivations && _packed.QuantizedDots && ComputeDevices.Of(CPU) == ComputeDevice.CpuWithAvx512Bf16;
    }

    /// <summary>
    /// Whether prefill multiplies packed weights in BF16: quantized blocks with quantized activations, where the CPU has
    /// AVX-512 BF16 (BF16 rows of a checkpoint computed in F32 keep F32 products, as that compute type asks).
    /// </summary>
    readonly bool _bf16Tiles;

    public long OutFeatures => _weight?.shape[0] ?? _packed!.Rows;
    public long InFeatures => _weight?.shape[1] ?? _packed!.Columns;

    public Tensor Forward(Tensor x)
    {
        if (_packed is not null)
        {
            if (x.device_type != DeviceType.CPU || x.dim() != 2)
                throw new ArgumentException($"a packed linear takes (T, in) inputs on the CPU, got [{string.Join(", ", x.shape)}] on {x.device}", nameof(x));
            var xf = x.to(ScalarType.Float32).contiguous();
            var y = x.shape[0] > 0 && x.shape[0] <= _packed.OneOffRows ? Gemv(xf)
                : !_bf16Tiles && CpuGemv.TakesPrompts ? Gemv(xf, prompt: true)
                : PackedMatmul.Multiply(_packed.Parts, xf, _bf16Tiles);
            return y.dtype == x.dtype ? y : y.to(x.dtype);
        }
        int gemvRows = _bf16WithoutDots && x.dtype == ScalarType.Float32 ? CpuGemv.DenseStepRows : CpuGemv.OneOffRows;
        bool gemvSized = x.dim() == 2 && x.shape[0] > 0 && x.shape[0] <= gemvRows && x.device_type == DeviceType.CPU;
        // F32 rows take BF16 weights too: a BF16 model's fused decode step keeps its activations in F32
        if (_gemv && gemvSized && (x.dtype == _weight!.dtype || x.dtype == ScalarType.Float32))
        {
            var y = Gemv(x.to(ScalarType.Float32).contiguous());
            return y.dtype == x.dtype ? y : y.to(x.dtype);
        }
        // an F32 prompt on a CPU whose panels outrun the BLAS GEMM (CpuGemv.TakesPrompts)
        if (_gemv && CpuGemv.TakesPrompts && x.dim() == 2 && x.device_type == DeviceType.CPU && x.dtype == ScalarType.Float32
            && _weight!.dtype == ScalarType.Float32 && x.shape[0] > 0)
            return Gemv(x.contiguous(), prompt: true);
        // F32 rows of a BF16 model (a fused step of more rows than the GEMV takes alone) multiply in the weight's type
        if (x.dtype != _weight!.dtype) return F.linear(x.to(_weight.dtype), _weight).to(x.dtype);
        return F.linear(x, _weight!);
    }

    /// <summary>y = x · Wᵀ by <see cref="Multiply"/>, or by <see cref="CpuGemv"/>'s prompt path for any number of rows.</summary>
    unsafe Tensor Gemv(Tensor x, bool prompt = false)
    {
        var y = empty([x.shape[0], OutFeatures], ScalarType.Float32);
        int t = (int)x.shape[0];
        if (t == 0) return y;
        float* xp = TensorPointers.Float(x), yp = TensorPointers.Float(y);
        if (!prompt) Multiply(xp, yp, t);
        else if (_packed is not null) CpuGemv.MultiplyPrompt(_packed, xp, yp, t, get_num_threads());
        else CpuGemv.MultiplyPrompt(TensorPointers.Float(_weight!), xp, yp, t, (int)OutFeatures, (int)InFeatures, get_num_threads());
        return y;
    }

    /// <summary>Whether <see cref="Multiply"/> can take raw F32 rows (a CPU weight in F32, BF16 or packed).</summary>
    internal bool MultipliesRaw => _gemv;

    /// <summary>Most rows of x <see cref="Multiply"/> takes: more for packed weights, whose GEMV serves batched decode.</summary>
    internal int MaxRawRows => _packed is not null ? CpuGemv.MaxRows : CpuGemv.DenseStepRows;

    /// <summary>y = x · Wᵀ on raw F32 rows: <paramref name="x"/> (t, in), <paramref name="y"/> (t, out) overwritten; t at most <see cref="MaxRawRows"/>.</summary>
    internal unsafe void Multiply(float* x, float* y, int t)
    {
        int rows = (int)OutFeatures, cols = (int)InFeatures, threads = get_num_threads();
        if (_packed is not null)
            CpuGemv.Multiply(_packed, x, y, t, threads, _math);
        else if (_weight!.dtype == ScalarType.BFloat16)
            CpuGemv.Multiply(TensorPointers.BFloat16(_weight), x, y, t, rows, cols, threads);
        else
            CpuGemv.Multiply(TensorPointers.Float(_weight), x, y, t, rows, cols, threads);
    }

    public void Dispose() => _weight?.Dispose();
}
