using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// The 256-value super-block quants. A super-block splits into 16 (Q2/Q3/Q6) or 8 (Q4/Q5)
/// sub-blocks, each with its own small integer scale (and minimum) multiplied by the f16 super-scale.
/// Loops walk the packed bytes in the order llama.cpp writes them. Q4_K, Q5_K and Q6_K, the types of Q4_K_M and
/// Q5_K_M files, also decode 32 values at a time with vectors: the same products and differences in float32
/// (never fused), so the results are the same bits.
/// </summary>
internal static class KQuants
{
    /// <summary>block_q2_K: scales[16] (low nibble scale, high nibble min), qs[64] 2-bit, d, dmin.</summary>
    public static void Q2_K(ReadOnlySpan<byte> b, Span<float> y)
    {
        var scales = b[..16];
        var qs = b.Slice(16, 64);
        float d = Dequantizer.Half(b, 80), min = Dequantizer.Half(b, 82);
        int sub = 0, o = 0;
        for (var half = 0; half < 2; half++, qs = qs[32..])          // two 128-value halves share 32 bytes
            for (var shift = 0; shift < 8; shift += 2)
                for (var part = 0; part < 2; part++, sub++)          // 16 values from bytes 0..15, then 16..31
                {
                    float dl = d * (scales[sub] & 0x0F), ml = min * (scales[sub] >> 4);
                    for (var l = 0; l < 16; l++)
                        y[o++] = dl * ((qs[16 * part + l] >> shift) & 3) - ml;
                }
    }

    /// <summary>block_q3_K: hmask[32] (third bit), qs[64] (low 2 bits), 16 packed 6-bit scales, d.</summary>
    public static void Q3_K(ReadOnlySpan<byte> b, Span<float> y)
    {
        var hmask = b[..32];
        var qs = b.Slice(32, 64);
        var packed = b.Slice(96, 12);
        var d = Dequantizer.Half(b, 108);
        int sub = 0, o = 0, bit = 0;
        for (var half = 0; half < 2; half++, qs = qs[32..])
            for (var shift = 0; shift < 8; shift += 2, bit++)
                for (var part = 0; part < 2; part++, sub++)
                {
                    var dl = d * (Q3Scale(packed, sub) - 32);
                    for (var l = 0; l < 16; l++)
                    {
                        var i = 16 * part + l;
                        // A clear hmask bit means the value is 4 lower.
                        var q = ((qs[i] >> shift) & 3) - ((hmask[i] >> bit & 1) != 0 ? 0 : 4);
                        y[o++] = dl * q;
                    }
                }
    }

    /// <summary>block_q4_K: d, dmin, 8 packed 6-bit scale/min pairs, qs[128] nibbles.</summary>
    public static void Q4_K(ReadOnlySpan<byte> b, Span<float> y) => Nibbles(b, b.Slice(16, 128), [], y);

    /// <summary>block_q5_K: as Q4_K plus qh[32], whose bit pair (2g, 2g+1) tops group g's two sub-blocks.</summary>
    public static void Q5_K(ReadOnlySpan<byte> b, Span<float> y) => Nibbles(b, b.Slice(48, 128), b.Slice(16, 32), y);

    /// <summary>
    /// Q4_K/Q5_K body. Each 64-value group: 32 low nibbles with one scale/min, then the same 32 bytes'
    /// high nibbles with the next. Q5_K adds a fifth bit from qh (empty for Q4_K).
    /// </summary>
    static void Nibbles(ReadOnlySpan<byte> b, ReadOnlySpan<byte> qs, ReadOnlySpan<byte> qh, Span<float> y)
    {
        float d = Dequantizer.Half(b, 0), min = Dequantizer.Half(b, 2);
        var packed = b.Slice(4, 12);
        var o = 0;
        for (var sub = 0; sub < 8; sub += 2, qs = qs[32..])
        {
            var (d1, m1) = ScaleMin(packed, sub, d, min);
            var (d2, m2) = ScaleMin(packed, sub + 1, d, min);
            if (Vector256.IsHardwareAccelerated)
            {
                var bytes = Vector256.Create(qs[..32]);
                Vector256<byte> low = bytes & Vector256.Create((byte)0x0F), high = Vector256.ShiftRightLogical(bytes, 4);
                if (!qh.IsEmpty)
                {
                    var h = Vector256.Create(qh[..32]);
                    low |= (Vector256.ShiftRightLogical(h, sub) & Vector256<byte>.One) << 4;
                    high |= (Vector256.ShiftRightLogical(h, sub + 1) & Vector256<byte>.One) << 4;
                }
                Store(low, 0, d1, m1, d1, m1, y.Slice(o, 32));
                Store(high, 0, d2, m2, d2, m2, y.Slice(o + 32, 32));
                o += 64;
                continue;
            }
            for (var l = 0; l < 32; l++) y[o++] = d1 * ((qs[l] & 0x0F) + FifthBit(qh, l, sub)) - m1;
            for (var l = 0; l < 32; l++) y[o++] = d2 * ((qs[l] >> 4) + FifthBit(qh, l, sub + 1)) - m2;
        }
    }

    static int FifthBit(ReadOnlySpan<byte> qh, int l, int sub) => qh.IsEmpty ? 0 : (qh[l] >> sub & 1) << 4;

    /// <summary>block_q6_K: ql[128] low nibbles, qh[64] top 2 bits, int8 scales[16], d; x = d·scale·(q − 32).</summary>
    public static void Q6_K(ReadOnlySpan<byte> b, Span<float> y)
    {
        var ql = b[..128];
        var qh = b.Slice(128, 64);
        var sc = b.Slice(192, 16);
        var d = Dequantizer.Half(b, 208);
        // Each 128-value half uses 64 ql bytes, 32 qh bytes and 8 scales; value l+32k takes qh bits 2k..2k+1.
        if (Vector256.IsHardwareAccelerated)
        {
            var mask = Vector256.Create((byte)0x0F);
            var three = Vector256.Create((byte)3);
            for (var half = 0; half < 2; half++, ql = ql[64..], qh = qh[32..], sc = sc[8..], y = y[128..])
            {
                Vector256<byte> a = Vector256.Create(ql[..32]), b2 = Vector256.Create(ql.Slice(32, 32)), h = Vector256.Create(qh[..32]);
                for (var k = 0; k < 4; k++)
                {
                    // k: low nibbles of a, of b2, then high nibbles of a, of b2; the top bits are qh's bits 2k..2k+1
                    var nibbles = (k & 1) == 0 ? a : b2;
                    nibbles = k < 2 ? nibbles & mask : Vector256.ShiftRightLogical(nibbles, 4);
                    var q = nibbles | (Vector256.ShiftRightLogical(h, 2 * k) & three) << 4;
                    float s1 = d * (sbyte)sc[2 * k], s2 = d * (sbyte)sc[2 * k + 1];
                    Store(q, 32, s1, 0, s2, 0, y.Slice(32 * k, 32));
                }
            }
            return;
        }
        for (var half = 0; half < 2; half++, ql = ql[64..], qh = qh[32..], sc = sc[8..], y = y[128..])
            for (var l = 0; l < 32; l++)
            {
                var s = l / 16;
                var q1 = ((ql[l] & 0x0F) | ((qh[l] >> 0) & 3) << 4) - 32;
                var q2 = ((ql[l + 32] & 0x0F) | ((qh[l] >> 2) & 3) << 4) - 32;
                var q3 = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
                var q4 = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
                y[l] = d * (sbyte)sc[s] * q1;
                y[l + 32] = d * (sbyte)sc[s + 2] * q2;
                y[l + 64] = d * (sbyte)sc[s + 4] * q3;
                y[l + 96] = d * (sbyte)sc[s + 6] * q4;
            }
    }

    /// <summary>
    /// 32 quants (bytes) as floats: y = scale · (q − bias) − min, with the first 16 values taking
    /// (<paramref name="scale1"/>, <paramref name="min1"/>) and the last 16 (<paramref name="scale2"/>, <paramref name="min2"/>).
    /// q − bias converts to float exactly, so this is the scalar formula's arithmetic.
    /// </summary>
    static void Store(Vector256<byte> q, int bias, float scale1, float min1, float scale2, float min2, Span<float> y)
    {
        var (lo, hi) = (Vector256.WidenLower(q), Vector256.WidenUpper(q));
        var offset = Vector256.Create(bias);
        Vector256<float> s1 = Vector256.Create(scale1), m1 = Vector256.Create(min1), s2 = Vector256.Create(scale2), m2 = Vector256.Create(min2);
        (s1 * Vector256.ConvertToSingle(Vector256.WidenLower(lo).AsInt32() - offset) - m1).CopyTo(y);
        (s1 * Vector256.ConvertToSingle(Vector256.WidenUpper(lo).AsInt32() - offset) - m1).CopyTo(y[8..]);
        (s2 * Vector256.ConvertToSingle(Vector256.WidenLower(hi).AsInt32() - offset) - m2).CopyTo(y[16..]);
        (s2 * Vector256.ConvertToSingle(Vector256.WidenUpper(hi).AsInt32() - offset) - m2).CopyTo(y[24..]);
    }

    /// <summary>
    /// Scale and minimum of Q4_K/Q5_K sub-block j (6 bits each): sub-blocks 0–3 use the low 6 bits of
    /// bytes j and j+4; 4–7 take a nibble of byte j+4 and borrow the top 2 bits of bytes j−4 and j.
    /// </summary>
    static (float Scale, float Min) ScaleMin(ReadOnlySpan<byte> q, int j, float d, float min)
    {
        int sc, m;
        if (j < 4)
        {
            sc = q[j] & 63;
            m = q[j + 4] & 63;
        }
        else
        {
            sc = (q[j + 4] & 0x0F) | (q[j - 4] >> 6) << 4;
            m = (q[j + 4] >> 4) | (q[j] >> 6) << 4;
        }
        return (d * sc, min * m);
    }

    /// <summary>
    /// Q3_K sub-block scale i (6 bits, stored +32): low nibble from byte i (i &lt; 8) or the high
    /// nibble of byte i−8; top 2 bits from byte 8 + i%4 at bit 2·(i/4).
    /// </summary>
    static int Q3Scale(ReadOnlySpan<byte> packed, int i)
    {
        var low = i < 8 ? packed[i] & 0x0F : packed[i - 8] >> 4;
        var high = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
        return low | high << 4;
    }
}
