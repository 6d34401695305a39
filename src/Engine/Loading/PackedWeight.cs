using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Loading;

/// <summary>
/// A weight matrix kept in its GGUF quantized blocks, byte for byte as the file stores them (one pinned array,
/// row-major: each row is <see cref="RowBytes"/> = blocks per row × bytes per block), so a quantized model
/// costs its file size in memory and decode reads ~0.5–1.1 bytes per weight instead of 4. Rows are
/// independent, so reordering or stacking matrices moves whole rows; values are decoded only when used,
/// by the exact dequantizers (<see cref="Dequantizer"/>).
/// </summary>
public sealed class PackedWeight
{
    /// <summary>
    /// The storage types that stay packed: every quantized type with an exact block dequantizer, and BF16 (half of F32's
    /// bytes, widened exactly; held so where the compute type is F32, see <see cref="Model.CausalLM"/>).
    /// </summary>
    public static bool Supports(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0
        or GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.BF16;

    public GgmlType Type { get; }
    public int Rows { get; }
    public int Columns { get; }

    /// <summary>Bytes of one row's blocks.</summary>
    public int RowBytes { get; }

    /// <summary>(Rows, RowBytes) blocks, pinned so kernels take its address.</summary>
    public byte[] Data { get; }

    /// <summary>Bytes held, as decode reads them.</summary>
    public long Bytes => Data.LongLength;

    public PackedWeight(GgmlType type, int rows, int columns, byte[] data)
    {
        if (!Supports(type)) throw new ArgumentException($"ggml type {type} is not kept packed", nameof(type));
        int block = GgmlTypeInfo.BlockSize(type);
        if (rows <= 0 || columns <= 0 || columns % block != 0)
            throw new ArgumentException($"a {type} matrix needs rows a positive multiple of {block} wide, got {rows}x{columns}", nameof(columns));
        (Type, Rows, Columns, RowBytes) = (type, rows, columns, columns / block * GgmlTypeInfo.BytesPerBlock(type));
        if (data.LongLength != (long)rows * RowBytes)
            throw new ArgumentException($"{data.LongLength} bytes do not make a {rows}x{columns} {type} matrix ({(long)rows * RowBytes} bytes)", nameof(data));
        Data = data;
    }

    /// <summary>A copy of <paramref name="blocks"/> (e.g. a tensor's bytes in a mapped GGUF), row-major as stored.</summary>
    public static PackedWeight FromBlocks(GgmlType type, ReadOnlySpan<byte> blocks, int rows, int columns)
    {
        var data = GC.AllocateUninitializedArray<byte>(blocks.Length, pinned: true);
        blocks.CopyTo(data);
        Kernels.HugePageAdvice.Advise(data);
        return new PackedWeight(type, rows, columns, data);
    }

    /// <summary>Reorders whole rows: row i of the result is row <paramref name="source"/>[i] of this.</summary>
    public PackedWeight SelectRows(IReadOnlyList<int> source)
    {
        if (source.Count != Rows) throw new ArgumentException($"{source.Count} row indices for {Rows} rows", nameof(source));
        var data = GC.AllocateUninitializedArray<byte>(Data.Length, pinned: true);
        for (int i = 0; i < Rows; i++) Array.Copy(Data, (long)source[i] * RowBytes, data, (long)i * RowBytes, RowBytes);
        Kernels.HugePageAdvice.Advise(data);
        return new PackedWeight(Type, Rows, Columns, data);
    }

    /// <summary>The blocks of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<byte> Row(int row) => Data.AsSpan(checked(row * RowBytes), RowBytes);

    /// <summary>Rows first..first+count−1 in float32, row-major into <paramref name="values"/> (count × Columns floats): exactly llama.cpp's dequantization.</summary>
    public void DequantizeRows(int first, int count, Span<float> values)
    {
        if (first < 0 || count < 0 || first + count > Rows) throw new ArgumentOutOfRangeException(nameof(count), $"rows {first}..{first + count} outside 0..{Rows}");
        if (values.Length < (long)count * Columns) throw new ArgumentException($"{values.Length} floats cannot hold {count} rows of {Columns}", nameof(values));
        Dequantizer.Dequantize(Type, Data.AsSpan(first * RowBytes, count * RowBytes), values[..(count * Columns)]);
    }

    /// <summary>The whole matrix in float32, row-major (tests and references; the model never holds it).</summary>
    public float[] Dequantize()
    {
        var values = new float[checked(Rows * Columns)];
        DequantizeRows(0, Rows, values);
        return values;
    }

    /// <summary>llama.cpp's reference Q8_0 quantizer (scale = max|x| / 127 stored as F16, round to nearest), for benchmarks and tests.</summary>
    public static unsafe PackedWeight QuantizeQ8_0(ReadOnlySpan<float> values, int rows, int columns)
    {
        if (values.Length != (long)rows * columns) throw new ArgumentException($"{values.Length} values are not {rows}x{columns}", nameof(values));
        if (columns % GgmlTypeInfo.QK != 0) throw new ArgumentException($"Q8_0 rows must be a multiple of {GgmlTypeInfo.QK} wide, got {columns}", nameof(columns));
        int rowBytes = Kernels.Q8_0Rows.RowBytes(columns);
        var data = GC.AllocateUninitializedArray<byte>(rows * rowBytes, pinned: true);
        fixed (float* x = values)
        fixed (byte* q = data)
            for (int r = 0; r < rows; r++) Kernels.Q8_0Rows.Quantize(x + (long)r * columns, q + (long)r * rowBytes, columns);
        return new PackedWeight(GgmlType.Q8_0, rows, columns, data);
    }
}
