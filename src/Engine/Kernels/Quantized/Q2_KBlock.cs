using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q2_K: 16 bytes of (scale | min·16), one per 16 values, then qs[64], F16 d, F16 dmin; value = d·sc·q − dmin·m.
/// Value 128h + 32k + l (l &lt; 32) is bits 2k, 2k+1 of qs[32h + l].
/// </summary>
internal unsafe struct Q2_KBlock : IKBlock
{
    public static int Bytes => 16 + 64 + 2 + 2;
    public static int ScaleOffset => 80;
    public static int MinOffset => 82;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums)
    {
        var crumb = Vector256.Create((byte)3);
        var dot = Vector256<int>.Zero;
        for (int half = 0; half < 2; half++)
        {
            var raw = Vector256.Load(block + 16 + 32 * half).AsUInt16();
            byte* sc = block + 8 * half;
            for (int k = 0; k < 4; k++, x += 32)
            {
                var q = Vector256.ShiftRightLogical(raw, (byte)(2 * k)).AsByte() & crumb;
                dot += SimdBytes.Scale16(Avx2.MultiplyAddAdjacent(q, Vector256.Load(x)), sc[2 * k] & 0x0F, sc[2 * k + 1] & 0x0F);
            }
        }
        var mins = Vector128.ShiftRightLogical(Vector128.Load(block).AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F);
        return (dot, Avx2.MultiplyAddAdjacent(Vector256.Load(groupSums), Avx2.ConvertToVector256Int16(mins)));
    }

    // inlined: as a call it made the batched kernel keep its accumulators on the stack across every block
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SumsRows<TRows>(byte* block, sbyte* x, short* groupSums, int stride, Vector256<int>* dots, Vector256<int>* minDots)
        where TRows : struct, IRowCount
    {
        for (int i = 0; i < TRows.Count; i++)
            (dots[i], minDots[i]) = Sums(block, x + i * stride, (short*)((byte*)groupSums + i * stride));
    }

    public static (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums)
    {
        int dot = 0, minDot = 0;
        for (int sub = 0; sub < 16; sub++, x += 16)
        {
            // Sub-block 8h + 2k + part: crumb k of qs[32h + 16·part + l].
            int half = sub / 8, k = sub % 8 / 2, part = sub % 2, sum = 0;
            byte* qs = block + 16 + 32 * half + 16 * part;
            for (int l = 0; l < 16; l++) sum += (qs[l] >> (2 * k) & 3) * x[l];
            dot += (block[sub] & 0x0F) * sum;
            minDot += (block[sub] >> 4) * groupSums[sub];
        }
        return (dot, minDot);
    }
}
