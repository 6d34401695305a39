using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q4_K rows into a panel as blocks of 32 unsigned nibbles with a minimum (as Q4_1's): sub-block j of a 256-value block
/// takes the scale d·sc_j and the minimum −dmin·m_j, its values the low (j even) or high nibbles of group j/2's 32 bytes;
/// multiplied as <see cref="SubBlock"/>s: unsigned four-bit values with a minimum, activations in blocks of 32 with sums.
/// </summary>
internal unsafe struct Q4_KPanel : IPanelPack
{
    public static void Multiply<TRows>(byte* panel, int blocks, byte* a, int aStride, float* y, int yStride) where TRows : struct, IRowCount =>
        QuantPanel<SubBlock>.Multiply<TRows>(panel, blocks, a, aStride, y, yStride);

    /// <summary>
    /// A Q4_K sub-block as a panel multiplies it: Q4_1's values (below 16, so a block's products add in shorts and widen
    /// once, where Q5_1's widen twice) with a minimum, against activations in file order. Panels are packed by
    /// <see cref="Pack"/>, never read from a file as this type.
    /// </summary>
    internal struct SubBlock : ILegacyBlock
    {
        public static int Bytes => throw new NotSupportedException("a Q4_K sub-block is only read from a panel");
        public static bool Signed => false;
        public static bool HasMin => true;
        public static int Offset => 0;
        public static int NibbleOffset => -1;
        public static int FifthBitsAt => -1;
        public static Vector256<sbyte> Values(byte* block) => throw new NotSupportedException("a Q4_K sub-block is only read from a panel");
        public static int Sum(byte* block, sbyte* x) => throw new NotSupportedException("a Q4_K sub-block is only read from a panel");
    }

    /// <remarks>
    /// Chunk c of sub-blocks 2g and 2g + 1 is the int32 at byte 4c of group g (low and high nibbles), so each group's
    /// eight rows are transposed as ints once and split into the two sub-blocks' chunks after; the scales are eight
    /// rows' eight d·sc (and −dmin·m) transposed alike. Against splitting each sub-block's nibbles row by row before
    /// transposing (SmolLM3-3B Q4_K_M, 16 sequences): packing 16.5 → 11 % of a profile's samples, the panels' multiplies 27–29 %.
    /// </remarks>
    public static void Pack(byte* w, long stride, int blocks, byte* panel)
    {
        const int rows = QuantPanels.Rows, blockBytes = QuantPanel<SubBlock>.BlockBytes;
        float* scales = stackalloc float[rows * rows], mins = stackalloc float[rows * rows];
        var nibble = Vector256.Create((byte)0x0F);
        long floatStride = stride / sizeof(float);
        for (int s = 0; s < blocks / 8; s++, panel += 8 * blockBytes)
        {
            byte* first = w + (long)s * Q4_KBlock.Bytes;
            for (int r = 0; r < rows; r++)
            {
                byte* block = first + r * stride;
                var (sc, m) = KScales.ScalesAndMins(block + 4);
                (HalfBits.ToSingle(block) * Floats(sc)).Store(scales + rows * r);
                (-HalfBits.ToSingle(block + 2) * Floats(m)).Store(mins + rows * r);
            }
            Transpose8.Block(scales, rows, (float*)(panel + 256), blockBytes / sizeof(float));
            Transpose8.Block(mins, rows, (float*)(panel + 256) + rows, blockBytes / sizeof(float));
            for (int g = 0; g < 4; g++)
            {
                byte* low = panel + 2 * g * blockBytes, high = low + blockBytes;
                Transpose8.Block((float*)(first + 16 + 32 * g), floatStride, (float*)low, rows);
                for (int c = 0; c < 8; c++)
                {
                    var raw = Vector256.Load(low + 32 * c);
                    (Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble).Store(high + 32 * c);
                    (raw & nibble).Store(low + 32 * c);
                }
            }
        }
    }

    /// <summary>The eight bytes of <paramref name="packed"/> as floats, byte j in lane j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Floats(ulong packed) =>
        Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalar(packed).AsByte()));
}
