using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Q6_K: ql[128] low nibbles, qh[64] top bit pairs, 16 signed byte scales (one per 16 values), F16 d;
/// value = d·sc·(q − 32). Each half of 128 values reads 64 ql bytes and 32 qh bytes: value l + 32k (l &lt; 32) is
/// nibble k/2 of ql[l + 32·(k%2)] topped by bits 2k, 2k+1 of qh[l]. The −32 comes once per block from the
/// activations' 16-value sums: Σ sc·Σ q·x − 32·Σ sc·Σ x.
/// </summary>
internal unsafe struct Q6_KBlock : IKBlock
{
    public static int Bytes => 128 + 64 + 16 + 2;
    public static int ScaleOffset => 208;
    public static int MinOffset => -1;

    public static (Vector256<int> Dot, Vector256<int> MinDot) Sums(byte* block, sbyte* x, short* groupSums)
    {
        var nibble = Vector256.Create((byte)0x0F);
        var top = Vector256.Create((byte)0x30);
        sbyte* sc = (sbyte*)(block + 192);
        var dot = Vector256<int>.Zero;
        for (int half = 0; half < 2; half++, x += 128, sc += 8)
        {
            byte* ql = block + 64 * half;
            var h = Vector256.Load(block + 128 + 32 * half).AsUInt16();
            var l0 = Vector256.Load(ql);
            var l1 = Vector256.Load(ql + 32);
            var q0 = (l0 & nibble) | (Vector256.ShiftLeft(h, 4).AsByte() & top);
            var q1 = (l1 & nibble) | (Vector256.ShiftLeft(h, 2).AsByte() & top);
            var q2 = (Vector256.ShiftRightLogical(l0.AsUInt16(), 4).AsByte() & nibble) | (h.AsByte() & top);
            var q3 = (Vector256.ShiftRightLogical(l1.AsUInt16(), 4).AsByte() & nibble) | (Vector256.ShiftRightLogical(h, 2).AsByte() & top);
            dot += SimdBytes.Scale16(Avx2.MultiplyAddAdjacent(q0, Vector256.Load(x)), sc[0], sc[1])
                 + SimdBytes.Scale16(Avx2.MultiplyAddAdjacent(q1, Vector256.Load(x + 32)), sc[2], sc[3])
                 + SimdBytes.Scale16(Avx2.MultiplyAddAdjacent(q2, Vector256.Load(x + 64)), sc[4], sc[5])
                 + SimdBytes.Scale16(Avx2.MultiplyAddAdjacent(q3, Vector256.Load(x + 96)), sc[6], sc[7]);
        }
        var offset = Avx2.MultiplyAddAdjacent(Vector256.Load(groupSums), Avx2.ConvertToVector256Int16(Vector128.Load((sbyte*)(block + 192))));
        return (dot - Vector256.ShiftLeft(offset, 5), default);
    }

    public static (int Dot, int MinDot) Sum(byte* block, sbyte* x, short* groupSums)
    {
        int dot = 0;
        for (int half = 0; half < 2; half++, x += 128)
        {
            byte* ql = block + 64 * half, qh = block + 128 + 32 * half;
            sbyte* sc = (sbyte*)(block + 192) + 8 * half;
            for (int l = 0; l < 32; l++)
            {
                int s = l / 16;
                dot += sc[s] * (((ql[l] & 0x0F) | (qh[l] & 3) << 4) - 32) * x[l]
                     + sc[s + 2] * (((ql[l + 32] & 0x0F) | (qh[l] >> 2 & 3) << 4) - 32) * x[l + 32]
                     + sc[s + 4] * (((ql[l] >> 4) | (qh[l] >> 4 & 3) << 4) - 32) * x[l + 64]
                     + sc[s + 6] * (((ql[l + 32] >> 4) | (qh[l] >> 6) << 4) - 32) * x[l + 96];
            }
        }
        return (dot, 0);
    }
}
