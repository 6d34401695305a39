using SmolLM3.Engine.Loading;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// y = x · Wᵀ for many rows of x (prefill) with W packed: W's rows are dequantized a tile at a time into one
/// F32 scratch reused for every tile, and libtorch multiplies x by each tile, so the dense matrix never
/// exists whole. Each weight is decoded once per call, which many rows of x amortise. With <c>bf16</c> the tile and x
/// are rounded to BF16 and multiplied by the CPU's BF16 instructions (twice F32's products per instruction where AVX-512
/// BF16 exists), the product rounded to BF16 too: docs/numerics.md bounds the difference.
/// </summary>
public static unsafe class PackedMatmul
{
    /// <summary>Floats per tile (4 MiB), in whole rows; at least <see cref="MinTileRows"/> rows so the GEMMs stay efficient.</summary>
    const int TileFloats = 1 << 20, MinTileRows = 256;

    /// <summary>Rows decoded to F32 at a time on their way into a BF16 tile: a few KB per row, so they stay in L1/L2.</summary>
    const int NarrowRows = 4;

    [ThreadStatic] static float[]? _rows;

    /// <param name="parts">Matrices of the same width stacked by rows (fused Q/K/V, gate/up), each writing its slice of y's columns.</param>
    /// <param name="x">(T, in) float32 on the CPU.</param>
    /// <returns>(T, Σ rows) float32.</returns>
    /// <param name="bf16">Multiply in BF16 (see the summary); else in F32, exactly the dequantized matrix's product.</param>
    public static Tensor Multiply(IReadOnlyList<PackedWeight> parts, Tensor x, bool bf16 = false)
    {
        int columns = parts[0].Columns, outFeatures = parts.Sum(p => p.Rows), threads = get_num_threads();
        int tileRows = Math.Max(TileFloats / columns, MinTileRows);
        var y = empty([x.shape[0], outFeatures], ScalarType.Float32);
        // the tile: F32, or BF16 written straight from a few rows decoded at a time (no F32 tile to round in a second pass)
        using var scratch = empty([Math.Min(tileRows, parts.Max(p => p.Rows)), columns], bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
        using var bf16X = bf16 ? x.to(ScalarType.BFloat16) : null;
        var scratchAddress = (nint)TensorPointers.Bytes(scratch);   // lambdas cannot capture pointers
        int offset = 0;
        foreach (var part in parts)
        {
            if (part.Columns != columns) throw new ArgumentException("stacked matrices must have the same width", nameof(parts));
            for (int r0 = 0; r0 < part.Rows; r0 += tileRows)
            {
                int n = Math.Min(tileRows, part.Rows - r0);
                // decode the tile in slices of rows, one per thread
                int slices = Math.Max(1, Math.Min(threads, n / 16));
                void Decode(int s)
                {
                    int a = n * s / slices, b = n * (s + 1) / slices;
                    if (!bf16)
                    {
                        part.DequantizeRows(r0 + a, b - a, new Span<float>((float*)scratchAddress + (long)a * columns, (b - a) * columns));
                        return;
                    }
                    fixed (float* rows = ThreadScratch.Pinned(ref _rows, (long)NarrowRows * columns, 16 * 1024))
                        for (int r = a; r < b; r += NarrowRows)
                        {
                            int count = Math.Min(NarrowRows, b - r);
                            part.DequantizeRows(r0 + r, count, new Span<float>(rows, count * columns));
                            Bf16.Narrow(rows, (ushort*)scratchAddress + (long)r * columns, count * columns);
                        }
                }
                if (slices == 1) Decode(0);
                else Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = slices }, Decode);
                using var tile = scratch.narrow(0, 0, n);
                using var product = bf16 ? bf16X!.matmul(tile.t()) : x.matmul(tile.t());
                using var slice = y.narrow(1, offset + r0, n);
                slice.copy_(product);
            }
            offset += part.Rows;
        }
        return y;
    }
}
