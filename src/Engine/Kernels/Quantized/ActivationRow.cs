using System.Runtime.CompilerServices;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Where the parts of a quantized activation row lie (<see cref="ActivationFormat"/>): per-block float scales, then
/// the block sums d·Σq (Q8_1) or the 16-value sums Σq as shorts (Q8_K), then the signed bytes.
/// </summary>
internal readonly unsafe struct ActivationRow
{
    public const int LegacyBlock = 32, KBlock = 256, KSumGroup = 16;

    public readonly float* Scales;
    public readonly float* BlockSums;
    public readonly short* GroupSums;
    public readonly sbyte* Quants;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ActivationRow(float* scales, float* blockSums, short* groupSums, sbyte* quants)
    {
        Scales = scales;
        BlockSums = blockSums;
        GroupSums = groupSums;
        Quants = quants;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ActivationRow Of(ActivationFormat format, byte* row, int blocks)
    {
        float* scales = (float*)row;
        return format switch
        {
            ActivationFormat.Q8_0 => new(scales, null, null, (sbyte*)(scales + blocks)),
            ActivationFormat.Q8_1 => new(scales, scales + blocks, null, (sbyte*)(scales + 2 * blocks)),
            _ => new(scales, null, (short*)(scales + blocks), (sbyte*)((short*)(scales + blocks) + KBlock / KSumGroup * blocks)),
        };
    }

    /// <summary>Values per scale of the format.</summary>
    public static int BlockSize(ActivationFormat format) => format == ActivationFormat.Q8_K ? KBlock : LegacyBlock;

    /// <summary>Bytes of a row of <paramref name="columns"/> values (a whole number of blocks).</summary>
    public static int Bytes(ActivationFormat format, int columns) => format switch
    {
        ActivationFormat.Q8_0 => columns / LegacyBlock * sizeof(float) + columns,
        ActivationFormat.Q8_1 => columns / LegacyBlock * 2 * sizeof(float) + columns,
        _ => columns / KBlock * sizeof(float) + columns / KSumGroup * sizeof(short) + columns,
    };
}
