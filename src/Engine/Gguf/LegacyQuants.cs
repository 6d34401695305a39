using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// The 32-value block quants. Each block starts with an f16 scale d (and an f16 minimum m for
/// the _1 types); byte j of qs holds value j in its low nibble and value j+16 in its high nibble.
/// Q5 types keep each value's fifth bit in a 32-bit little-endian mask qh.
/// </summary>
internal static class LegacyQuants
{
    const int Half = GgmlTypeInfo.QK / 2;

    /// <summary>block_q4_0: d, qs[16]; x = (nibble − 8)·d.</summary>
    public static void Q4_0(ReadOnlySpan<byte> b, Span<float> y)
    {
        var d = Dequantizer.Half(b, 0);
        var qs = b.Slice(2, Half);
        if (Vector128.IsHardwareAccelerated)
        {
            var bytes = Vector128.Create(qs);
            Offset(bytes & Low, Vector128.ShiftRightLogical(bytes, 4), 8, d, y);
            return;
        }
        for (var j = 0; j < Half; j++)
        {
            y[j] = ((qs[j] & 0x0F) - 8) * d;
            y[j + Half] = ((qs[j] >> 4) - 8) * d;
        }
    }

    /// <summary>block_q4_1: d, m, qs[16]; x = nibble·d + m.</summary>
    public static void Q4_1(ReadOnlySpan<byte> b, Span<float> y)
    {
        float d = Dequantizer.Half(b, 0), m = Dequantizer.Half(b, 2);
        var qs = b.Slice(4, Half);
        if (Vector128.IsHardwareAccelerated)
        {
            var bytes = Vector128.Create(qs);
            ScaleAdd(bytes & Low, Vector128.ShiftRightLogical(bytes, 4), d, m, y);
            return;
        }
        for (var j = 0; j < Half; j++)
        {
            y[j] = (qs[j] & 0x0F) * d + m;
            y[j + Half] = (qs[j] >> 4) * d + m;
        }
    }

    /// <summary>block_q5_0: d, qh[4], qs[16]; x = (nibble | fifth bit << 4 − 16)·d.</summary>
    public static void Q5_0(ReadOnlySpan<byte> b, Span<float> y)
    {
        var d = Dequantizer.Half(b, 0);
        var qh = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(2, 4));
        var qs = b.Slice(6, Half);
        if (Vector128.IsHardwareAccelerated)
        {
            var (lo, hi) = FiveBits(Vector128.Create(qs), qh);
            Offset(lo, hi, 16, d, y);
            return;
        }
        for (var j = 0; j < Half; j++)
        {
            var (lo, hi) = FiveBit(qs[j], qh, j);
            y[j] = (lo - 16) * d;
            y[j + Half] = (hi - 16) * d;
        }
    }

    /// <summary>block_q5_1: d, m, qh[4], qs[16]; x = (nibble | fifth bit << 4)·d + m.</summary>
    public static void Q5_1(ReadOnlySpan<byte> b, Span<float> y)
    {
        float d = Dequantizer.Half(b, 0), m = Dequantizer.Half(b, 2);
        var qh = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(b.Slice(4, 4));
        var qs = b.Slice(8, Half);
        if (Vector128.IsHardwareAccelerated)
        {
            var (lo, hi) = FiveBits(Vector128.Create(qs), qh);
            ScaleAdd(lo, hi, d, m, y);
            return;
        }
        for (var j = 0; j < Half; j++)
        {
            var (lo, hi) = FiveBit(qs[j], qh, j);
            y[j] = lo * d + m;
            y[j + Half] = hi * d + m;
        }
    }

    /// <summary>block_q8_0: d, qs[32] signed; x = q·d.</summary>
    public static void Q8_0(ReadOnlySpan<byte> b, Span<float> y)
    {
        var d = Dequantizer.Half(b, 0);
        if (Vector256.IsHardwareAccelerated)
        {
            // the same products, 8 at a time (q converts to float exactly)
            var q = Vector256.Create(b.Slice(2, GgmlTypeInfo.QK)).AsSByte();
            var scale = Vector256.Create(d);
            var (lo, hi) = (Vector256.WidenLower(q), Vector256.WidenUpper(q));
            (Vector256.ConvertToSingle(Vector256.WidenLower(lo)) * scale).CopyTo(y);
            (Vector256.ConvertToSingle(Vector256.WidenUpper(lo)) * scale).CopyTo(y[8..]);
            (Vector256.ConvertToSingle(Vector256.WidenLower(hi)) * scale).CopyTo(y[16..]);
            (Vector256.ConvertToSingle(Vector256.WidenUpper(hi)) * scale).CopyTo(y[24..]);
            return;
        }
        for (var j = 0; j < GgmlTypeInfo.QK; j++)
            y[j] = (sbyte)b[2 + j] * d;
    }

    // The vector paths below do the scalar paths' operations in the same order (integer offset, exact conversion, one
    // multiply, then one add where there is a minimum; never fused), so they give the same bits.

    static readonly Vector128<byte> Low = Vector128.Create((byte)0x0F);

    // Bit j of each lane's byte of qh: lanes 0–7 test bits 0–7 of the byte they are given, lanes 8–15 bits 0–7 again.
    static readonly Vector128<byte> BitOfLane = Vector128.Create((byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);

    /// <summary>Values 0–15 (low nibbles) and 16–31 (high nibbles) of a Q5 block, each with its fifth bit from qh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static (Vector128<byte> Lo, Vector128<byte> Hi) FiveBits(Vector128<byte> qs, uint qh)
    {
        var h = Vector128.Create(qh).AsByte();   // qh's four bytes, repeated
        // value j takes bit j of qh: lanes 0–7 look at byte 0, 8–15 at byte 1; the high values at bytes 2 and 3
        var lowBits = Vector128.Shuffle(h, Vector128.Create((byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
        var highBits = Vector128.Shuffle(h, Vector128.Create((byte)2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
        var sixteen = Vector128.Create((byte)16);
        var lo = (qs & Low) | (Vector128.Equals(lowBits & BitOfLane, BitOfLane) & sixteen);
        var hi = Vector128.ShiftRightLogical(qs, 4) | (Vector128.Equals(highBits & BitOfLane, BitOfLane) & sixteen);
        return (lo, hi);
    }

    /// <summary>y = (q − bias)·d for the 16 low values then the 16 high ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Offset(Vector128<byte> lo, Vector128<byte> hi, int bias, float d, Span<float> y)
    {
        var (offset, scale) = (Vector256.Create(bias), Vector256.Create(d));
        (Vector256.ConvertToSingle(Ints(lo, upper: false) - offset) * scale).CopyTo(y);
        (Vector256.ConvertToSingle(Ints(lo, upper: true) - offset) * scale).CopyTo(y[8..]);
        (Vector256.ConvertToSingle(Ints(hi, upper: false) - offset) * scale).CopyTo(y[16..]);
        (Vector256.ConvertToSingle(Ints(hi, upper: true) - offset) * scale).CopyTo(y[24..]);
    }

    /// <summary>y = q·d + m for the 16 low values then the 16 high ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void ScaleAdd(Vector128<byte> lo, Vector128<byte> hi, float d, float m, Span<float> y)
    {
        var (scale, min) = (Vector256.Create(d), Vector256.Create(m));
        (Vector256.ConvertToSingle(Ints(lo, upper: false)) * scale + min).CopyTo(y);
        (Vector256.ConvertToSingle(Ints(lo, upper: true)) * scale + min).CopyTo(y[8..]);
        (Vector256.ConvertToSingle(Ints(hi, upper: false)) * scale + min).CopyTo(y[16..]);
        (Vector256.ConvertToSingle(Ints(hi, upper: true)) * scale + min).CopyTo(y[24..]);
    }

    /// <summary>Eight of the 16 bytes (the first or last eight) as 32-bit integers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<int> Ints(Vector128<byte> q, bool upper)
    {
        var words = upper ? Vector128.WidenUpper(q) : Vector128.WidenLower(q);
        return Vector256.Create(Vector128.WidenLower(words), Vector128.WidenUpper(words)).AsInt32();
    }

    // Values j and j+16 of a Q5 block: bit j of qh tops value j, bit j+16 tops value j+16.
    static (int Lo, int Hi) FiveBit(byte q, uint qh, int j) =>
        ((q & 0x0F) | (int)((qh >> j) & 1) << 4,
         (q >> 4) | (int)((qh >> (j + Half)) & 1) << 4);
}
