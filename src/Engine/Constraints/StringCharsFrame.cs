namespace SmolLM3.Engine.Constraints;

/// <summary>
/// The rest of a JSON string after its opening quote: <see cref="Min"/> to <see cref="Max"/> characters (code points,
/// an escape counting as one), valid UTF-8, escapes per RFC 8259, no raw control characters, then the closing quote.
/// </summary>
public sealed record StringCharsFrame(int Min, int Max) : GrammarFrame
{
    /// <summary>Characters read; capped at <see cref="Min"/> when there is no maximum, so equal futures make equal frames.</summary>
    public int Count { get; init; }
    /// <summary>Hex digits of a \u escape still due, or -1 right after a backslash.</summary>
    public int Escape { get; init; }
    /// <summary>UTF-8 continuation bytes still due, and the range the next one must fall in.</summary>
    public int Continuations { get; init; }
    public byte NextLo { get; init; }
    public byte NextHi { get; init; }

    bool Between => Escape == 0 && Continuations == 0;

    /// <summary>Between characters: how many more may start (int.MaxValue: no bound); −1 inside an escape or a UTF-8 sequence.</summary>
    internal int Room => !Between ? -1 : Max == int.MaxValue ? int.MaxValue : Max - Count;

    internal override void Expand(GrammarStack rest, List<GrammarStack> output) => Wait(rest, output);

    internal override void Consume(byte b, GrammarStack self, List<GrammarStack> output)
    {
        if (Between && b is >= 0x20 and < 0x80 and not (byte)'"' and not (byte)'\\')
        {
            // The common case, read without allocating: every plain character leads to the same place (an unbounded
            // string past its minimum stays as it is), so a mask's walk computes it once per stack.
            if (Count >= Max) return;
            output.Add(Max == int.MaxValue && Count >= Min ? self : self.PlainCharSuccessor ??= new GrammarStack(this with { Count = Count + 1 }, self.Rest!));
            return;
        }
        if (b == '"' && Between)
        {
            if (Count >= Min) self.Rest!.Continue(output);
            return;
        }
        var next = Next(b);
        if (next is null) return;
        output.Add(next == this ? self : new GrammarStack(next, self.Rest!));
    }

    StringCharsFrame? Next(byte b)
    {
        if (Continuations > 0)
            return b < NextLo || b > NextHi ? null : this with { Continuations = Continuations - 1, NextLo = 0x80, NextHi = 0xBF };
        if (Escape == -1)
            return b == 'u' ? this with { Escape = 4 } : "\"\\/bfnrt".Contains((char)b) ? this with { Escape = 0 } : null;
        if (Escape > 0) return Uri.IsHexDigit((char)b) ? this with { Escape = Escape - 1 } : null;
        if (Count >= Max || b < 0x20) return null;
        var counted = this with { Count = Max == int.MaxValue ? Math.Min(Count + 1, Min) : Count + 1 };
        return b switch
        {
            (byte)'\\' => counted with { Escape = -1 },
            < 0x80 => counted,
            >= 0xC2 and <= 0xDF => counted with { Continuations = 1, NextLo = 0x80, NextHi = 0xBF },
            0xE0 => counted with { Continuations = 2, NextLo = 0xA0, NextHi = 0xBF },   // no overlong forms
            0xED => counted with { Continuations = 2, NextLo = 0x80, NextHi = 0x9F },   // no surrogates
            >= 0xE1 and <= 0xEF => counted with { Continuations = 2, NextLo = 0x80, NextHi = 0xBF },
            0xF0 => counted with { Continuations = 3, NextLo = 0x90, NextHi = 0xBF },
            >= 0xF1 and <= 0xF3 => counted with { Continuations = 3, NextLo = 0x80, NextHi = 0xBF },
            0xF4 => counted with { Continuations = 3, NextLo = 0x80, NextHi = 0x8F },   // nothing past U+10FFFF
            _ => null,
        };
    }
}
