using System.Runtime.Intrinsics;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// The one place a packed weight row (GGUF blocks, <see cref="Loading.PackedWeight"/>) meets activations:
/// y[i · yStride] = Σ row · xᵢ for t rows of x. Exact for now: each run of blocks is decoded into a stack
/// buffer of floats by the exact dequantizer, once for all t rows, and multiplied with FMA. Kernels that
/// quantize the activations plug in here.
/// </summary>
public static unsafe class PackedRowDot
{
    /// <summary>Values decoded at a time: one K-quant super-block, eight legacy blocks.</summary>
    const int Chunk = GgmlTypeInfo.QK_K;

    /// <param name="row">The row's blocks (columns / block size × bytes per block).</param>
    /// <param name="x">(t, columns) float32, row-major.</param>
    /// <param name="y">Receives row · xᵢ at y[i · yStride].</param>
    public static void Rows(GgmlType type, byte* row, float* x, int t, int columns, float* y, int yStride)
    {
        int block = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BytesPerBlock(type);
        float* w = stackalloc float[Chunk];
        var acc = stackalloc Vector256<float>[t];
        for (int i = 0; i < t; i++) acc[i] = Vector256<float>.Zero;
        for (int c = 0; c < columns; c += Chunk)
        {
            int len = Math.Min(Chunk, columns - c);   // a whole number of blocks: columns and Chunk both are
            Dequantizer.Dequantize(type, new ReadOnlySpan<byte>(row + (long)c / block * blockBytes, len / block * blockBytes), new Span<float>(w, len));
            for (int i = 0; i < t; i++)
            {
                float* xi = x + (long)i * columns + c;
                Vector256<float> a0 = acc[i], a1 = Vector256<float>.Zero;
                int k = 0;
                for (; k + 16 <= len; k += 16)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k), Vector256.Load(xi + k), a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k + 8), Vector256.Load(xi + k + 8), a1);
                }
                for (; k < len; k += 8) a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k), Vector256.Load(xi + k), a0);   // len is a multiple of 32
                acc[i] = a0 + a1;
            }
        }
        for (int i = 0; i < t; i++) y[(long)i * yStride] = Vector256.Sum(acc[i]);
    }
}
