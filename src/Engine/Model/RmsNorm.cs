using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>Root-mean-square layer norm, computed in float32 and cast back, as Hugging Face does.</summary>
public sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    // the fused decode step's weight: F32 on the CPU whatever the model computes in (made on first use, a few KB)
    Tensor? _raw;

    public Tensor Forward(Tensor x)
    {
        if (x.dtype == ScalarType.Float32) return x * x.square().mean([-1], keepdim: true).add_(eps).rsqrt_() * weight;
        var x32 = x.to(ScalarType.Float32);
        var normed = x32 * x32.square().mean([-1], keepdim: true).add_(eps).rsqrt_();
        return weight * normed.to(x.dtype);
    }

    /// <summary>
    /// The same normalization of <paramref name="t"/> raw F32 rows of <paramref name="width"/> into <paramref name="y"/>, for the
    /// fused decode step (on the CPU, the weight widened to F32 once for a BF16 model); the mean of squares is summed in double.
    /// </summary>
    internal unsafe void Apply(float* x, float* y, int t, int width)
    {
        _raw ??= weight.dtype == ScalarType.Float32 ? weight : weight.to(ScalarType.Float32).DetachFromDisposeScope();   // outlives the step
        float* w = TensorPointers.Float(_raw);
        for (int r = 0; r < t; r++, x += width, y += width)
        {
            // squares summed in double, four at a time in two accumulators; the scaling as the scalar loop, eight at a time
            int i = 0;
            Vector256<double> s0 = Vector256<double>.Zero, s1 = s0;
            for (; i + 8 <= width; i += 8)
            {
                var v = Vector256.Load(x + i);
                var lo = Vector256.WidenLower(v);
                var hi = Vector256.WidenUpper(v);
                s0 += lo * lo;
                s1 += hi * hi;
            }
            double sum = Vector256.Sum(s0 + s1);
            for (; i < width; i++) sum += (double)x[i] * x[i];
            float scale = 1 / MathF.Sqrt((float)(sum / width + eps));
            var sv = Vector256.Create(scale);
            for (i = 0; i + 8 <= width; i += 8) (Vector256.Load(x + i) * sv * Vector256.Load(w + i)).Store(y + i);
            for (; i < width; i++) y[i] = x[i] * scale * w[i];
        }
    }

    public void Dispose()
    {
        if (_raw is not null && !ReferenceEquals(_raw, weight)) _raw.Dispose();
        weight.Dispose();
    }
}
