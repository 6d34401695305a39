using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Where the parts of a quantized activation row lie (<see cref="ActivationFormat"/>): per-block float scales, then
/// the block sums d·Σq (Q8_1, Q8_1Paired) or the 16-value sums Σq as shorts (Q8_K), then the signed bytes.
/// </summary>
internal readonly unsafe struct ActivationRow
{
    public const int LegacyBlock = 32, KBlock = 256, KSumGroup = 16;

    /// <summary>Blocks in a group laid out in pair order (<see cref="ActivationFormat.Q8_1Paired"/>).</summary>
    public const int PairGroup = 8;

    public readonly float* Scales;
    public readonly float* BlockSums;
    public readonly short* GroupSums;
    public readonly sbyte* Quants;

    /// <summary>Blocks before this one lie in pair order (<see cref="ActivationFormat.Q8_1Paired"/>); 0 for the other formats.</summary>
    public readonly int PairedBlocks;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    ActivationRow(float* scales, float* blockSums, short* groupSums, sbyte* quants, int pairedBlocks = 0)
    {
        Scales = scales;
        BlockSums = blockSums;
        GroupSums = groupSums;
        Quants = quants;
        PairedBlocks = pairedBlocks;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ActivationRow Of(ActivationFormat format, byte* row, int blocks)
    {
        float* scales = (float*)row;
        return format switch
        {
            ActivationFormat.Q8_0 => new(scales, null, null, (sbyte*)(scales + blocks)),
            ActivationFormat.Q8_1 => new(scales, scales + blocks, null, (sbyte*)(scales + 2 * blocks)),
            ActivationFormat.Q8_1Paired => new(scales, scales + blocks, null, (sbyte*)(scales + 2 * blocks), blocks & ~(PairGroup - 1)),
            _ => new(scales, null, (short*)(scales + blocks), (sbyte*)((short*)(scales + blocks) + KBlock / KSumGroup * blocks)),
        };
    }

    /// <summary>Where the first 16 bytes of block <paramref name="b"/> lie; its last 16 are 32 bytes on in pair order, else 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public sbyte* Low(int b) => b < PairedBlocks ? Quants + 32 * (b & ~7) + 64 * (b & 3) + 16 * (b >> 2 & 1) : Quants + 32 * b;

    /// <summary>Block <paramref name="b"/>'s 32 bytes in order, whatever the layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<sbyte> Block(int b)
    {
        if (b >= PairedBlocks) return Vector256.Load(Quants + 32 * b);
        sbyte* low = Low(b);
        return Vector256.Create(Vector128.Load(low), Vector128.Load(low + 32));
    }

    /// <summary>Block <paramref name="b"/>'s 32 bytes in order into <paramref name="dst"/> (the scalar kernels).</summary>
    public void CopyBlock(int b, sbyte* dst)
    {
        sbyte* low = Low(b), high = b < PairedBlocks ? low + 32 : low + 16;
        for (int i = 0; i < 16; i++) (dst[i], dst[i + 16]) = (low[i], high[i]);
    }

    /// <summary>Values per scale of the format.</summary>
    public static int BlockSize(ActivationFormat format) => format == ActivationFormat.Q8_K ? KBlock : LegacyBlock;

    /// <summary>Bytes of a row of <paramref name="columns"/> values (a whole number of blocks).</summary>
    public static int Bytes(ActivationFormat format, int columns) => format switch
    {
        ActivationFormat.Q8_0 => columns / LegacyBlock * sizeof(float) + columns,
        ActivationFormat.Q8_1 or ActivationFormat.Q8_1Paired => columns / LegacyBlock * 2 * sizeof(float) + columns,
        _ => columns / KBlock * sizeof(float) + columns / KSumGroup * sizeof(short) + columns,
    };
}
