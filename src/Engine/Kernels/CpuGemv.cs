using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// y = x · Wᵀ for a handful of rows of x (decode steps) on the CPU, with W in float32, bfloat16 or
/// packed Q8_0 and x, y in float32. Decode is bound by reading W
/// once per step; this streams each weight row once for all rows of x and splits W's rows across
/// threads, which reads memory faster than libtorch's small-batch GEMM on this path.
/// </summary>
public static unsafe class CpuGemv
{
    /// <summary>Largest number of x rows worth handling here; beyond it a BLAS GEMM wins.</summary>
    public const int MaxRows = 8;

    /// <param name="w">(outFeatures, inFeatures) row-major.</param>
    /// <param name="x">(t, inFeatures) row-major.</param>
    /// <param name="y">(t, outFeatures) row-major, overwritten.</param>
    public static void Multiply(float* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, outFeatures, threads, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < t; i++)
                    y[(long)i * outFeatures + r] = Dot(w + (long)r * inFeatures, x + (long)i * inFeatures, inFeatures);
        });

    /// <summary>As <see cref="Multiply(float*, float*, float*, int, int, int, int)"/> with W in bfloat16.</summary>
    public static void Multiply(ushort* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, outFeatures, threads, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < t; i++)
                    y[(long)i * outFeatures + r] = Bf16.Dot(x + (long)i * inFeatures, w + (long)r * inFeatures, inFeatures);
        });

    /// <summary>As <see cref="Multiply(float*, float*, float*, int, int, int, int)"/> with W packed in Q8_0 (quants and per-block scales).</summary>
    public static void MultiplyQ8_0(sbyte* quants, float* scales, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, outFeatures, threads, (r0, r1) =>
        {
            int blocks = inFeatures / Loading.PackedWeight.BlockSize;
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < t; i++)
                    y[(long)i * outFeatures + r] = Q8_0Dot.Row(quants + (long)r * inFeatures, scales + (long)r * blocks, x + (long)i * inFeatures, inFeatures);
        });

    /// <summary>Runs <paramref name="rows"/> over contiguous ranges of output rows, one range per thread.</summary>
    static void Split(int t, int outFeatures, int threads, Action<int, int> rows)
    {
        if (t is < 1 or > MaxRows) throw new ArgumentOutOfRangeException(nameof(t), $"t must be in 1..{MaxRows}");
        int parts = Math.Max(1, Math.Min(threads, outFeatures / 64));
        if (parts == 1)
        {
            rows(0, outFeatures);
            return;
        }
        CpuWorkers.Run(parts, p => rows((int)((long)outFeatures * p / parts), (int)((long)outFeatures * (p + 1) / parts)));
    }

    static float Dot(float* a, float* b, int n)
    {
        int c = 0;
        float sum;
        if (Vector512.IsHardwareAccelerated && n >= 32)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
            for (; c + 32 <= n; c += 32)
            {
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c), Vector512.Load(b + c), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c + 16), Vector512.Load(b + c + 16), s1);
            }
            sum = Vector512.Sum(s0 + s1);
        }
        else
        {
            Vector256<float> s0 = Vector256<float>.Zero, s1 = Vector256<float>.Zero;
            for (; c + 16 <= n; c += 16)
            {
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Vector256.Load(b + c), s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c + 8), Vector256.Load(b + c + 8), s1);
            }
            sum = Vector256.Sum(s0 + s1);
        }
        for (; c < n; c++) sum += a[c] * b[c];
        return sum;
    }
}
