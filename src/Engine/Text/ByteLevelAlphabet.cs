namespace SmolLM3.Engine.Text;

/// <summary>
/// GPT-2's byte-level alphabet: every byte 0..255 stands for one printable char, so byte-level BPE
/// vocabularies are plain strings ("Ġ" is the space byte). Printable Latin-1 bytes stand for
/// themselves; the rest are shifted to U+0100 and up, in byte order.
/// </summary>
public static class ByteLevelAlphabet
{
    static readonly char[] ByteToChar = BuildForward();
    static readonly Dictionary<char, byte> CharToByte = Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    static char[] BuildForward()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    /// <summary>The char that stands for <paramref name="b"/>.</summary>
    public static char CharFor(byte b) => ByteToChar[b];

    /// <summary>The byte-level spelling of <paramref name="text"/>'s UTF-8 bytes.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text.ToArray());
        return string.Create(bytes.Length, bytes, static (dst, src) =>
        {
            for (var i = 0; i < src.Length; i++) dst[i] = ByteToChar[src[i]];
        });
    }

    /// <summary>Appends the bytes a byte-level token stands for; false if a char is outside the alphabet.</summary>
    public static bool TryDecode(string token, List<byte> output)
    {
        var start = output.Count;
        foreach (var c in token)
        {
            if (!CharToByte.TryGetValue(c, out var b))
            {
                output.RemoveRange(start, output.Count - start);
                return false;
            }
            output.Add(b);
        }
        return true;
    }
}
