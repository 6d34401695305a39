using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Attention for one new query position over a sequence's cached keys and values (float32 or
/// bfloat16) on the CPU, computed in float32.
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
        int kvHeads, int rep, int headDim, int capacity, int length) =>
        Run(q, keys, values, output, kvHeads, rep, headDim, capacity, length, sizeof(float), &DotF32, &AxpyF32);

    /// <summary>As above with the cache in bfloat16 (query and output stay float32).</summary>
    public static void Run(float* q, ushort* keys, ushort* values, float* output,
        int kvHeads, int rep, int headDim, int capacity, int length) =>
        Run(q, keys, values, output, kvHeads, rep, headDim, capacity, length, sizeof(ushort), &DotBf16, &AxpyBf16);

    static void Run(float* q, void* keys, void* values, float* output, int kvHeads, int rep, int headDim, int capacity, int length,
        int elementSize, delegate*<float*, byte*, int, float> dot, delegate*<float, byte*, float*, int, void> axpy)
    {
        float scale = 1f / MathF.Sqrt(headDim);
        long rowBytes = (long)headDim * elementSize;
        var scores = new float[length];
        fixed (float* s = scores)
            for (int g = 0; g < kvHeads; g++)
            {
                byte* k = (byte*)keys + g * capacity * rowBytes;
                byte* v = (byte*)values + g * capacity * rowBytes;
                for (int r = 0; r < rep; r++)
                {
                    long row = ((long)g * rep + r) * headDim;
                    float* qr = q + row;
                    float* o = output + row;
                    float max = float.NegativeInfinity;
                    for (int j = 0; j < length; j++)
                    {
                        s[j] = dot(qr, k + j * rowBytes, headDim) * scale;
                        if (s[j] > max) max = s[j];
                    }
                    float sum = 0;
                    for (int j = 0; j < length; j++)
                    {
                        s[j] = MathF.Exp(s[j] - max);
                        sum += s[j];
                    }
                    new Span<float>(o, headDim).Clear();
                    for (int j = 0; j < length; j++) axpy(s[j] / sum, v + j * rowBytes, o, headDim);
                }
            }
    }

    static float DotF32(float* q, byte* k, int n) => Dot(q, (float*)k, n);
    static void AxpyF32(float alpha, byte* v, float* o, int n) => Axpy(alpha, (float*)v, o, n);
    static float DotBf16(float* q, byte* k, int n) => Bf16.Dot(q, (ushort*)k, n);
    static void AxpyBf16(float alpha, byte* v, float* o, int n) => Bf16.Axpy(alpha, (ushort*)v, o, n);

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
