using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Loading;

/// <summary>
/// A weight matrix kept quantized as Q8_0 (llama.cpp's format: each run of 32 weights in a row is one
/// scale × 32 signed bytes), so decode reads ~1.1 bytes per weight instead of 4. Held as two pinned
/// arrays — all quants row-major, all scales as float32 — so the kernels load whole vectors of bytes
/// and broadcast scales without decoding F16 per block.
/// </summary>
public sealed class PackedWeight
{
    public const int BlockSize = 32;

    public int Rows { get; }
    public int Columns { get; }
    public int BlocksPerRow => Columns / BlockSize;

    /// <summary>(Rows, Columns) quantized weights.</summary>
    public sbyte[] Quants { get; }

    /// <summary>(Rows, Columns / 32) scales.</summary>
    public float[] Scales { get; }

    /// <summary>Bytes held, as decode reads them.</summary>
    public long Bytes => Quants.LongLength + Scales.LongLength * sizeof(float);

    public PackedWeight(int rows, int columns, sbyte[] quants, float[] scales)
    {
        if (columns % BlockSize != 0) throw new ArgumentException($"Q8_0 rows must be a multiple of {BlockSize} wide, got {columns}", nameof(columns));
        if (quants.LongLength != (long)rows * columns || scales.LongLength != (long)rows * (columns / BlockSize))
            throw new ArgumentException($"{quants.LongLength} quants and {scales.LongLength} scales do not make a {rows}x{columns} Q8_0 matrix");
        (Rows, Columns, Quants, Scales) = (rows, columns, quants, scales);
    }

    /// <summary>From GGUF Q8_0 blocks (an F16 scale, then 32 signed bytes: 34 bytes per block), row-major.</summary>
    public static PackedWeight FromGgufBlocks(ReadOnlySpan<byte> blocks, int rows, int columns)
    {
        const int blockBytes = 2 + BlockSize;
        int count = rows * (columns / BlockSize);
        if (blocks.Length != count * blockBytes)
            throw new ArgumentException($"{blocks.Length} bytes are not {count} Q8_0 blocks", nameof(blocks));
        var quants = GC.AllocateUninitializedArray<sbyte>(rows * columns, pinned: true);
        var scales = GC.AllocateUninitializedArray<float>(count, pinned: true);
        for (int b = 0; b < count; b++)
        {
            var block = blocks.Slice(b * blockBytes, blockBytes);
            scales[b] = (float)BitConverter.ToHalf(block);
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>(block[2..]).CopyTo(quants.AsSpan(b * BlockSize, BlockSize));
        }
        return new PackedWeight(rows, columns, quants, scales);
    }

    /// <summary>Rows of several matrices of the same width stacked in order (fused Q/K/V, gate/up).</summary>
    public static PackedWeight Stack(IReadOnlyList<PackedWeight> parts)
    {
        if (parts.Count == 1) return parts[0];
        int columns = parts[0].Columns;
        if (parts.Any(p => p.Columns != columns)) throw new ArgumentException("stacked matrices must have the same width");
        var quants = GC.AllocateUninitializedArray<sbyte>(parts.Sum(p => p.Quants.Length), pinned: true);
        var scales = GC.AllocateUninitializedArray<float>(parts.Sum(p => p.Scales.Length), pinned: true);
        int q = 0, s = 0;
        foreach (var p in parts)
        {
            p.Quants.CopyTo(quants, q);
            p.Scales.CopyTo(scales, s);
            (q, s) = (q + p.Quants.Length, s + p.Scales.Length);
        }
        return new PackedWeight(parts.Sum(p => p.Rows), columns, quants, scales);
    }

    /// <summary>Reorders whole rows: row i of the result is row <paramref name="source"/>[i] of this.</summary>
    public PackedWeight SelectRows(IReadOnlyList<int> source)
    {
        var quants = GC.AllocateUninitializedArray<sbyte>(Quants.Length, pinned: true);
        var scales = GC.AllocateUninitializedArray<float>(Scales.Length, pinned: true);
        for (int i = 0; i < Rows; i++)
        {
            Array.Copy(Quants, (long)source[i] * Columns, quants, (long)i * Columns, Columns);
            Array.Copy(Scales, (long)source[i] * BlocksPerRow, scales, (long)i * BlocksPerRow, BlocksPerRow);
        }
        return new PackedWeight(Rows, Columns, quants, scales);
    }

    /// <summary>The whole matrix in float32, row-major: exactly llama.cpp's Q8_0 dequantization (scale × q).</summary>
    public unsafe float[] Dequantize()
    {
        var values = GC.AllocateUninitializedArray<float>(checked(Rows * Columns), pinned: true);
        fixed (float* y = values) DequantizeInto(y);
        return values;
    }

    /// <summary>As <see cref="Dequantize()"/>, into <paramref name="y"/> (Rows × Columns floats), e.g. a tensor's own storage.</summary>
    public unsafe void DequantizeInto(float* y)
    {
        int blocks = Scales.Length;
        fixed (sbyte* q = Quants)
        {
            sbyte* qp = q;
            float* yp = y;
            // in chunks of blocks, so the threads get a few large pieces of work
            Parallel.For(0, (blocks + 4095) / 4096, chunk =>
            {
                for (int b = chunk * 4096, end = Math.Min(blocks, b + 4096); b < end; b++)
                {
                    var scale = Vector256.Create(Scales[b]);
                    var bytes = Vector256.Load(qp + (long)b * BlockSize);
                    var lo = Vector256.WidenLower(bytes);
                    var hi = Vector256.WidenUpper(bytes);
                    float* o = yp + (long)b * BlockSize;
                    (Vector256.ConvertToSingle(Vector256.WidenLower(lo)) * scale).Store(o);
                    (Vector256.ConvertToSingle(Vector256.WidenUpper(lo)) * scale).Store(o + 8);
                    (Vector256.ConvertToSingle(Vector256.WidenLower(hi)) * scale).Store(o + 16);
                    (Vector256.ConvertToSingle(Vector256.WidenUpper(hi)) * scale).Store(o + 24);
                }
            });
        }
    }

    /// <summary>llama.cpp's reference Q8_0 quantizer (scale = max|x| / 127 stored as F16, round to nearest), for benchmarks and tests.</summary>
    public static PackedWeight Quantize(ReadOnlySpan<float> values, int rows, int columns)
    {
        if (columns % BlockSize != 0) throw new ArgumentException($"Q8_0 rows must be a multiple of {BlockSize} wide", nameof(columns));
        var quants = GC.AllocateUninitializedArray<sbyte>(rows * columns, pinned: true);
        var scales = GC.AllocateUninitializedArray<float>(rows * columns / BlockSize, pinned: true);
        for (int b = 0; b < scales.Length; b++)
        {
            var x = values.Slice(b * BlockSize, BlockSize);
            float amax = 0;
            foreach (var v in x) amax = Math.Max(amax, Math.Abs(v));
            float d = amax / 127, id = d != 0 ? 1 / d : 0;
            scales[b] = (float)(Half)d;
            for (int i = 0; i < BlockSize; i++) quants[b * BlockSize + i] = (sbyte)MathF.Round(x[i] * id);
        }
        return new PackedWeight(rows, columns, quants, scales);
    }
}
