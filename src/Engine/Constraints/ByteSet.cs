namespace SmolLM3.Engine.Constraints;

/// <summary>A set of bytes as a 256-bit mask; compares by content.</summary>
public readonly record struct ByteSet(ulong A, ulong B, ulong C, ulong D)
{
    public bool Contains(byte b) => ((b >> 6) switch { 0 => A, 1 => B, 2 => C, _ => D } & (1UL << (b & 63))) != 0;

    /// <summary>The set of the characters of <paramref name="chars"/> (ASCII) and of every range "a-z" written in it.</summary>
    public static ByteSet Of(string chars)
    {
        Span<ulong> words = stackalloc ulong[4];
        for (int i = 0; i < chars.Length; i++)
        {
            int lo = chars[i], hi = lo;
            if (i + 2 < chars.Length && chars[i + 1] == '-') (hi, i) = (chars[i + 2], i + 2);
            for (int c = lo; c <= hi; c++) words[c >> 6] |= 1UL << (c & 63);
        }
        return new ByteSet(words[0], words[1], words[2], words[3]);
    }
}
