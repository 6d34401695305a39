using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>
/// Weight rows of random bytes (every bit pattern of a quant field is a valid value) whose F16 scale fields are
/// overwritten with sane magnitudes, and their exact float32 values from <see cref="Dequantizer"/>.
/// </summary>
internal static class RandomBlocks
{
    public static readonly GgmlType[] Types =
        [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q2_K, GgmlType.Q3_K];

    /// <summary>Byte offsets of each type's F16 fields: the scale d, then the minimum (m or dmin) where it has one.</summary>
    static int[] HalfFields(GgmlType type) => type switch
    {
        GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => [0],
        GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q2_K => [80, 82],
        GgmlType.Q3_K => [108],
        GgmlType.Q6_K => [208],
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static byte[] Row(GgmlType type, int columns, Random rng)
    {
        int blocks = columns / GgmlTypeInfo.BlockSize(type), bytes = GgmlTypeInfo.BytesPerBlock(type);
        var row = new byte[blocks * bytes];
        rng.NextBytes(row);
        var fields = HalfFields(type);
        for (int b = 0; b < blocks; b++)
            for (int f = 0; f < fields.Length; f++)
            {
                // d in ±[0.5, 1.5]·10⁻², a minimum of either sign for the _1 types (positive dmin for the K-quants).
                var magnitude = (0.5 + rng.NextDouble()) * 1e-2 * (f == 0 ? 1 : 4);
                var sign = f == 0 || type is GgmlType.Q4_1 or GgmlType.Q5_1 ? (rng.Next(2) == 0 ? -1 : 1) : 1;
                BitConverter.TryWriteBytes(row.AsSpan(b * bytes + fields[f], 2), (Half)(sign * magnitude));
            }
        return row;
    }

    public static float[] Dequantize(GgmlType type, byte[] row, int columns)
    {
        var values = new float[columns];
        Dequantizer.Dequantize(type, row, values);
        return values;
    }

    /// <summary><paramref name="rows"/> random rows of <paramref name="type"/> as a matrix the GEMV takes (pinned, as a loaded one is).</summary>
    public static PackedWeight Packed(GgmlType type, int rows, int columns, Random rng)
    {
        var data = GC.AllocateArray<byte>(rows * (columns / GgmlTypeInfo.BlockSize(type) * GgmlTypeInfo.BytesPerBlock(type)), pinned: true);
        int rowBytes = data.Length / rows;
        for (int r = 0; r < rows; r++) Row(type, columns, rng).CopyTo(data, r * rowBytes);
        return new PackedWeight(type, rows, columns, data);
    }
}
