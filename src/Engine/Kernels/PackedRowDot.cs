using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// The one place a packed weight row (GGUF blocks, <see cref="Loading.PackedWeight"/>) meets activations:
/// y[i · yStride] = Σ row · xᵢ for t rows of x. Exact for now: each block is decoded into a stack buffer of
/// floats by the exact dequantizer, once for all t rows, and multiplied with FMA. Kernels that quantize the
/// activations plug in here.
/// </summary>
[SkipLocalsInit]   // the buffers are written before they are read
public static unsafe class PackedRowDot
{
    /// <param name="row">The row's blocks (columns / block size × bytes per block).</param>
    /// <param name="x">(t, columns) float32, row-major.</param>
    /// <param name="y">Receives row · xᵢ at y[i · yStride].</param>
    public static void Rows(GgmlType type, byte* row, float* x, int t, int columns, float* y, int yStride)
    {
        if (type == GgmlType.BF16)
        {
            Bf16.Rows((ushort*)row, 1, columns, x, t, y, yStride);   // a plain row: widened in registers, no block to decode
            return;
        }
        int block = GgmlTypeInfo.BlockSize(type), blockBytes = GgmlTypeInfo.BytesPerBlock(type);   // block: 32 or 256
        var decode = Dequantizer.DecoderOf(type);
        float* w = stackalloc float[GgmlTypeInfo.QK_K];   // the largest block
        if (t == 1)
        {
            // one row of x: accumulate in registers
            Vector256<float> a0 = Vector256<float>.Zero, a1 = Vector256<float>.Zero;
            for (int c = 0; c < columns; c += block, row += blockBytes)
            {
                decode(new ReadOnlySpan<byte>(row, blockBytes), new Span<float>(w, block));
                for (int k = 0; k < block; k += 16)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k), Vector256.Load(x + c + k), a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k + 8), Vector256.Load(x + c + k + 8), a1);
                }
            }
            y[0] = Vector256.Sum(a0 + a1);
            return;
        }
        var acc = stackalloc Vector256<float>[t];
        for (int i = 0; i < t; i++) acc[i] = Vector256<float>.Zero;
        for (int c = 0; c < columns; c += block, row += blockBytes)
        {
            decode(new ReadOnlySpan<byte>(row, blockBytes), new Span<float>(w, block));
            for (int i = 0; i < t; i++)
            {
                float* xi = x + (long)i * columns + c;
                Vector256<float> a0 = acc[i], a1 = Vector256<float>.Zero;
                for (int k = 0; k < block; k += 16)
                {
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k), Vector256.Load(xi + k), a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + k + 8), Vector256.Load(xi + k + 8), a1);
                }
                acc[i] = a0 + a1;
            }
        }
        for (int i = 0; i < t; i++) y[(long)i * yStride] = Vector256.Sum(acc[i]);
    }
}
