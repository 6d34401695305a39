using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels.Quantized;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// y = x · Wᵀ for a handful of rows of x (decode steps) on the CPU, with W in float32, bfloat16 or
/// packed GGUF blocks and x, y in float32. Decode is bound by reading W
/// once per step; this streams each weight row once for all rows of x and splits W's rows across
/// threads, which reads memory faster than libtorch's small-batch GEMM on this path.
/// </summary>
public static unsafe class CpuGemv
{
    /// <summary>Largest number of x rows worth handling here with dense W; beyond it a BLAS GEMM wins.</summary>
    public const int MaxRows = 8;

    /// <summary>
    /// Largest number of x rows handled here with packed W (batched decode of up to 32 sequences): beyond it,
    /// tiles of W dequantized once serve enough rows to pay for themselves (<see cref="PackedMatmul"/>).
    /// </summary>
    public const int MaxPackedRows = 32;

    /// <param name="w">(outFeatures, inFeatures) row-major.</param>
    /// <param name="x">(t, inFeatures) row-major.</param>
    /// <param name="y">(t, outFeatures) row-major, overwritten.</param>
    public static void Multiply(float* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, MaxRows, outFeatures, threads, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < t; i++)
                    y[(long)i * outFeatures + r] = Dot(w + (long)r * inFeatures, x + (long)i * inFeatures, inFeatures);
        });

    /// <summary>As <see cref="Multiply(float*, float*, float*, int, int, int, int)"/> with W in bfloat16.</summary>
    public static void Multiply(ushort* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, MaxRows, outFeatures, threads, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
                for (int i = 0; i < t; i++)
                    y[(long)i * outFeatures + r] = Bf16.Dot(x + (long)i * inFeatures, w + (long)r * inFeatures, inFeatures);
        });

    /// <summary>
    /// As <see cref="Multiply(float*, float*, float*, int, int, int, int)"/> with W packed: the rows of
    /// <paramref name="stack"/> in order (fused Q/K/V or gate/up, each part in its own GGUF type), each row's dot taken
    /// for all t rows of x at once. Up to <see cref="MaxPackedRows"/> rows.
    /// </summary>
    public static void Multiply(PackedStack stack, float* x, float* y, int t, int threads, PackedMath math = PackedMath.Exact)
    {
        if (math == PackedMath.QuantizedActivations && stack.QuantizedDots)
        {
            MultiplyQuantized(stack, x, y, t, threads);
            return;
        }
        var (parts, starts, outFeatures, inFeatures) = (stack.Parts, stack.Starts, stack.Rows, stack.Columns);
        Split(t, MaxPackedRows, outFeatures, threads, (r0, r1) =>
        {
            for (int p = 0; p < parts.Count; p++)
            {
                int from = Math.Max(r0, starts[p]), to = Math.Min(r1, starts[p + 1]);
                if (from >= to) continue;
                var part = parts[p];
                fixed (byte* data = part.Data)
                    for (int r = from; r < to; r++)
                        PackedRowDot.Rows(part.Type, data + (long)(r - starts[p]) * part.RowBytes, x, t, inFeatures, y + r, outFeatures);
            }
        });
    }

    /// <inheritdoc cref="Multiply(PackedStack, float*, float*, int, int, PackedMath)"/>
    public static void Multiply(IReadOnlyList<PackedWeight> parts, float* x, float* y, int t, int threads, PackedMath math = PackedMath.Exact) =>
        Multiply(new PackedStack(parts), x, y, t, threads, math);

    /// <summary>
    /// <see cref="PackedMath.QuantizedActivations"/>: each row of x quantized once per activation format the parts need
    /// (Q8_0, Q8_1 or Q8_K), then four weight rows at a time against the rows of x: four rows of x at once per weight
    /// row (<see cref="QuantDot.DotActivations4"/>, its blocks unpacked once), the rest one at a time against all four
    /// weight rows (<see cref="QuantDot.DotWeights4"/>).
    /// </summary>
    static void MultiplyQuantized(PackedStack stack, float* x, float* y, int t, int threads)
    {
        var (parts, starts, outFeatures, inFeatures) = (stack.Parts, stack.Starts, stack.Rows, stack.Columns);
        fixed (byte* activations = ActivationBuffer(stack.ActivationBytes(t)))
        {
            byte* a = activations;
            for (int f = 0; f < stack.FormatTypes.Length; f++)
                for (int i = 0; i < t; i++)
                    QuantDot.QuantizeActivations(stack.FormatTypes[f], x + (long)i * inFeatures,
                        a + (long)stack.FormatOffsets[f] * t + (long)i * stack.FormatBytes[f], inFeatures);
            Split(t, MaxPackedRows, outFeatures, threads, (r0, r1) =>
            {
                for (int p = 0; p < parts.Count; p++)
                {
                    int from = Math.Max(r0, starts[p]), to = Math.Min(r1, starts[p + 1]);
                    if (from >= to) continue;
                    var part = parts[p];
                    var type = part.Type;
                    long rowBytes = part.RowBytes;
                    int format = stack.PartFormat[p], stride = stack.FormatBytes[format];
                    byte* rowsOfX = a + (long)stack.FormatOffsets[format] * t;
                    fixed (byte* data = part.Data)
                        // four weight rows at a time, kept in L1 while every row of x passes over them
                        for (int r = from; r < to; r += 4)
                        {
                            byte* w = data + (r - starts[p]) * rowBytes;
                            int rows = Math.Min(4, to - r), i = 0;
                            for (; i + 4 <= t; i += 4)
                                for (int k = 0; k < rows; k++)
                                    QuantDot.DotActivations4(type, w + k * rowBytes, rowsOfX + (long)i * stride, stride, inFeatures, y + (long)i * outFeatures + r + k, outFeatures);
                            for (; i < t; i++)
                            {
                                if (rows == 4)
                                    QuantDot.DotWeights4(type, w, rowBytes, rowsOfX + (long)i * stride, inFeatures, y + (long)i * outFeatures + r);
                                else
                                    for (int k = 0; k < rows; k++)
                                        y[(long)i * outFeatures + r + k] = QuantDot.Dot(type, w + k * rowBytes, rowsOfX + (long)i * stride, inFeatures);
                            }
                        }
                }
            }, align: 4);
        }
    }

    [ThreadStatic] static byte[]? _activations;

    /// <summary>A pinned buffer of at least <paramref name="bytes"/> kept per calling thread, so decode steps allocate nothing here.</summary>
    static byte[] ActivationBuffer(long bytes)
    {
        if (_activations is null || _activations.LongLength < bytes)
            _activations = GC.AllocateUninitializedArray<byte>(checked((int)Math.Max(bytes, 64 * 1024)), pinned: true);
        return _activations;
    }

    /// <summary>Runs <paramref name="rows"/> over contiguous ranges of output rows, one range per thread.</summary>
    /// <param name="align">Range boundaries fall on multiples of this (kernels that take rows four at a time).</param>
    static void Split(int t, int maxRows, int outFeatures, int threads, Action<int, int> rows, int align = 1)
    {
        if (t < 1 || t > maxRows) throw new ArgumentOutOfRangeException(nameof(t), $"t must be in 1..{maxRows}");
        int parts = Math.Max(1, Math.Min(threads, outFeatures / 64));
        if (parts == 1)
        {
            rows(0, outFeatures);
            return;
        }
        int Boundary(int p) => p == parts ? outFeatures : (int)((long)outFeatures * p / parts) / align * align;
        CpuWorkers.Run(parts, p => rows(Boundary(p), Boundary(p + 1)));
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
