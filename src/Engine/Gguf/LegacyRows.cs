using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// Runs of Q4_0, Q5_0 and Q8_0 blocks to float32 in one loop with AVX2 (the caller checks AVX2): what batched decode does to every weight row of
/// a step (<c>CpuGemv.MultiplyWidened</c>), where a call and span slicing per 32 values cost as much as the values.
/// Each value is (q − offset)·d as <see cref="LegacyQuants"/> computes it (exact integer, exact conversion, one
/// multiply), so the bits are the same.
/// </summary>
internal static unsafe class LegacyRows
{
    /// <summary>Whether <paramref name="type"/> has a loop here.</summary>
    public static bool Handles(GgmlType type) => type is GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0;

    /// <summary>Decodes <paramref name="blocks"/> blocks of <paramref name="type"/> (one of <see cref="Handles"/>) from <paramref name="src"/>.</summary>
    public static void Dequantize(GgmlType type, byte* src, float* dst, int blocks)
    {
        switch (type)
        {
            case GgmlType.Q4_0:
                for (int i = 0; i < blocks; i++, src += 18, dst += 32)
                {
                    Store(SimdBytes.Nibbles(src + 2).AsSByte() - Vector256.Create((sbyte)8), Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(src)), dst);
                }
                return;
            case GgmlType.Q5_0:
                for (int i = 0; i < blocks; i++, src += 22, dst += 32)
                {
                    var nibbles = SimdBytes.Nibbles(src + 6);
                    // value j's fifth bit is bit j of qh: values 0–15 are the low nibbles, 16–31 the high ones
                    var fifth = SimdBytes.BitsToBytes(Unsafe.ReadUnaligned<uint>(src + 2)) & Vector256.Create((byte)0x10);
                    Store((nibbles | fifth).AsSByte() - Vector256.Create((sbyte)16), Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(src)), dst);
                }
                return;
            case GgmlType.Q8_0:
                for (int i = 0; i < blocks; i++, src += 34, dst += 32)
                    Store(Vector256.Load((sbyte*)(src + 2)), Dequantizer.Half(Unsafe.ReadUnaligned<ushort>(src)), dst);
                return;
            default:
                throw new ArgumentException($"no row loop for {type}", nameof(type));
        }
    }

    /// <summary>32 signed values times <paramref name="d"/>, in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(Vector256<sbyte> q, float d, float* dst)
    {
        var scale = Vector256.Create(d);
        var (v0, v1, v2, v3) = SimdBytes.ToSingles(q);
        (v0 * scale).Store(dst);
        (v1 * scale).Store(dst + 8);
        (v2 * scale).Store(dst + 16);
        (v3 * scale).Store(dst + 24);
    }
}
