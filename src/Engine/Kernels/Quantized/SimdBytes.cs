using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// AVX2 building blocks of the integer dots. <c>vpmaddubsw</c> multiplies unsigned by signed bytes and adds
/// adjacent pairs into saturating shorts; every caller keeps |pair| ≤ 2·128·127 &lt; 32768, so nothing saturates.
/// </summary>
internal static class SimdBytes
{
    /// <summary>Σ u·s over 32 byte pairs, as 8 int partial sums (each of 4 adjacent products).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulSum(Vector256<byte> u, Vector256<sbyte> s) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(u, s), Vector256<short>.One);

    /// <summary>Signed × signed: |w| times x carrying w's sign (w = −128 gives the unsigned byte 128).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> MulSumSigned(Vector256<sbyte> w, Vector256<sbyte> x) =>
        MulSum(Avx2.Abs(w), Avx2.Sign(x, w));

    /// <summary>Pairs of byte products (shorts) times a scale per 16 values (one per 128-bit lane), as 8 ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> Scale16(Vector256<short> pairs, int lowScale, int highScale) =>
        Avx2.MultiplyAddAdjacent(pairs, Vector256.Create(Vector128.Create((short)lowScale), Vector128.Create((short)highScale)));

    /// <summary>16 bytes as two 128-bit lanes: the low nibbles (values 0–15 of a legacy block), then the high nibbles (16–31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector256<byte> Nibbles(byte* qs)
    {
        var packed = Vector128.Load(qs);
        return Vector256.Create(packed, Vector128.ShiftRightLogical(packed.AsUInt16(), 4).AsByte()) & Vector256.Create((byte)0x0F);
    }

    /// <summary>Byte i is 0xFF where bit i of <paramref name="bits"/> is set, else 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> BitsToBytes(uint bits)
    {
        var spread = Avx2.Shuffle(Vector256.Create(bits).AsByte(), Vector256.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var select = Vector256.Create(0x8040201008040201UL).AsByte();
        return Avx2.CompareEqual(spread & select, select);
    }

    /// <summary>8 ints to floats, times <paramref name="scale"/>, added to <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleAdd(float scale, Vector256<int> sums, Vector256<float> acc) =>
        Fma.MultiplyAdd(Vector256.Create(scale), Avx.ConvertToVector256Single(sums), acc);
}
