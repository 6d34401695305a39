using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q4_K rows into a panel as blocks of 32 unsigned nibbles with a minimum (as Q4_1's): sub-block j of a 256-value block
/// takes the scale d·sc_j and the minimum −dmin·m_j, its values the low (j even) or high nibbles of group j/2's 32 bytes;
/// multiplied as Q5_1's (unsigned values with a minimum, activations in blocks of 32 with sums).
/// </summary>
internal unsafe struct Q4_KPanel : IPanelPack
{
    public static void Multiply<TRows>(byte* panel, int blocks, byte* a, int aStride, float* y, int yStride) where TRows : struct, IRowCount =>
        QuantPanel<Q5_1Block>.Multiply<TRows>(panel, blocks, a, aStride, y, yStride);

    public static void Pack(byte* w, long stride, int blocks, byte* panel)
    {
        const int rows = QuantPanels.Rows;
        int* values = stackalloc int[rows * rows];
        float* d = stackalloc float[rows], dmin = stackalloc float[rows];
        ulong* scales = stackalloc ulong[rows], mins = stackalloc ulong[rows];
        var nibble = Vector256.Create((byte)0x0F);
        for (int s = 0; s < blocks / 8; s++)
        {
            byte* first = w + (long)s * Q4_KBlock.Bytes;
            for (int r = 0; r < rows; r++)
            {
                byte* block = first + r * stride;
                (d[r], dmin[r]) = (HalfBits.ToSingle(block), HalfBits.ToSingle(block + 2));
                (scales[r], mins[r]) = KScales.ScalesAndMins(block + 4);
            }
            for (int j = 0; j < 8; j++, panel += QuantPanel<Q5_1Block>.BlockBytes)
            {
                for (int r = 0; r < rows; r++)
                {
                    var raw = Vector256.Load(first + r * stride + 16 + 32 * (j >> 1));
                    ((j & 1) == 0 ? raw & nibble : Vector256.ShiftRightLogical(raw.AsUInt16(), 4).AsByte() & nibble).AsInt32().Store(values + rows * r);
                }
                Transpose8.Block((float*)values, rows, (float*)panel, rows);
                float* scale = (float*)(panel + 256);
                for (int r = 0; r < rows; r++)
                {
                    scale[r] = d[r] * KScales.Byte(scales[r], j);
                    scale[rows + r] = -dmin[r] * KScales.Byte(mins[r], j);
                }
            }
        }
    }
}
