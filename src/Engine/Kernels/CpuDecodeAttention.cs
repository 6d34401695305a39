using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Attention for one new query position over a sequence's cached keys and values, F32 on the CPU.
/// A decode step has too little work per head for libtorch's parallel attention kernels, whose thread
/// hand-offs cost more than the arithmetic; this runs the heads as plain loops instead.
/// </summary>
public static unsafe class CpuDecodeAttention
{
    /// <param name="q">(kvHeads, rep, headDim): query heads grouped by the KV head they share.</param>
    /// <param name="keys">Cache storage (kvHeads, capacity, headDim); the first <paramref name="length"/> positions are used.</param>
    /// <param name="values">Like <paramref name="keys"/>.</param>
    /// <param name="output">(kvHeads, rep, headDim), overwritten.</param>
    public static void Run(float* q, float* keys, float* values, float* output,
        int kvHeads, int rep, int headDim, int capacity, int length)
    {
        float scale = 1f / MathF.Sqrt(headDim);
        var scores = new float[length];
        fixed (float* s = scores)
            for (int g = 0; g < kvHeads; g++)
            {
                float* k = keys + (long)g * capacity * headDim;
                float* v = values + (long)g * capacity * headDim;
                for (int r = 0; r < rep; r++)
                {
                    long row = ((long)g * rep + r) * headDim;
                    Head(q + row, k, v, output + row, s, headDim, length, scale);
                }
            }
    }

    static void Head(float* q, float* k, float* v, float* o, float* s, int d, int n, float scale)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < n; j++)
        {
            s[j] = Dot(q, k + (long)j * d, d) * scale;
            if (s[j] > max) max = s[j];
        }
        float sum = 0;
        for (int j = 0; j < n; j++)
        {
            s[j] = MathF.Exp(s[j] - max);
            sum += s[j];
        }
        new Span<float>(o, d).Clear();
        for (int j = 0; j < n; j++) Axpy(s[j] / sum, v + (long)j * d, o, d);
    }

    static float Dot(float* a, float* b, int n)
    {
        int c = 0;
        var acc = Vector256<float>.Zero;
        for (; c + 8 <= n; c += 8) acc = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Vector256.Load(b + c), acc);
        float sum = Vector256.Sum(acc);
        for (; c < n; c++) sum += a[c] * b[c];
        return sum;
    }

    static void Axpy(float alpha, float* x, float* y, int n)
    {
        int c = 0;
        var a = Vector256.Create(alpha);
        for (; c + 8 <= n; c += 8) Vector256.FusedMultiplyAdd(a, Vector256.Load(x + c), Vector256.Load(y + c)).Store(y + c);
        for (; c < n; c++) y[c] += alpha * x[c];
    }
}
