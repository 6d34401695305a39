using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>Runs one weight row against one float row through every path, from buffers at odd addresses.</summary>
internal static unsafe class DotHarness
{
    public readonly record struct Dots(float Simd, float Scalar, float Public);

    /// <param name="misalign">Bytes by which both rows are moved off their array's (8-byte aligned) start.</param>
    public static Dots Run(GgmlType type, byte[] weights, float[] x, int misalign = 1)
    {
        var w = new byte[weights.Length + misalign];
        weights.CopyTo(w, misalign);
        var a = new byte[QuantDot.ActivationBytes(type, x.Length) + misalign + 2];
        fixed (byte* wp = w, ap = a)
        fixed (float* xp = x)
        {
            byte* wRow = wp + misalign, aRow = ap + misalign + 2;
            QuantDot.QuantizeActivations(type, xp, aRow, x.Length);
            return new Dots(
                QuantDot.DotAvx2(type, wRow, aRow, x.Length),
                QuantDot.DotScalar(type, wRow, aRow, x.Length),
                QuantDot.Dot(type, wRow, aRow, x.Length));
        }
    }

    /// <summary>Σ w·x in double, and Σ |w·x| (the scale of float rounding in any order of summation).</summary>
    public static (double Dot, double AbsDot) Exact(float[] w, float[] x)
    {
        double dot = 0, abs = 0;
        for (int i = 0; i < w.Length; i++)
        {
            dot += (double)w[i] * x[i];
            abs += Math.Abs((double)w[i] * x[i]);
        }
        return (dot, abs);
    }
}
