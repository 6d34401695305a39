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

    // Values j and j+16 of a Q5 block: bit j of qh tops value j, bit j+16 tops value j+16.
    static (int Lo, int Hi) FiveBit(byte q, uint qh, int j) =>
        ((q & 0x0F) | (int)((qh >> j) & 1) << 4,
         (q >> 4) | (int)((qh >> (j + Half)) & 1) << 4);
}
