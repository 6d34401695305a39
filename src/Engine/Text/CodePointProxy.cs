using System.Buffers;
using System.Globalization;
using System.Text;

namespace SmolLM3.Engine.Text;

/// <summary>
/// .NET regexes see a character outside the BMP as two surrogates, neither a letter nor a number,
/// while Hugging Face (Rust) and llama.cpp match code points: "😀abc" is one Llama-3 piece there but
/// two here, and "𝕳" is no letter. So a text with surrogate pairs is matched through a stand-in with
/// one BMP char per code point of the same class (letter, number, other), and the match offsets are
/// mapped back. The pre-tokenizer patterns name no character outside ASCII, so the class is all that counts.
/// </summary>
static class CodePointProxy
{
    const char Letter = 'ĸ', Number = '٣', Other = '¤';   // Ll, Nd, Sc stand-ins

    /// <summary>
    /// The text itself (and null <paramref name="starts"/>) when it has no surrogate pair; otherwise the
    /// stand-in, with <paramref name="starts"/>[i] the offset in the text of stand-in char i (and of its end).
    /// </summary>
    public static string Create(ReadOnlySpan<char> text, out int[]? starts)
    {
        starts = null;
        if (!HasSurrogatePair(text)) return text.ToString();
        var proxy = new StringBuilder(text.Length);
        var map = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length;)
        {
            map.Add(i);
            if (Rune.DecodeFromUtf16(text[i..], out var rune, out var used) != OperationStatus.Done)
            {
                proxy.Append(Other);   // a lone surrogate: neither letter nor number
                i++;
                continue;
            }
            proxy.Append(used == 1 ? text[i] : StandIn(rune));
            i += used;
        }
        map.Add(text.Length);
        starts = [.. map];
        return proxy.ToString();
    }

    static bool HasSurrogatePair(ReadOnlySpan<char> text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
            if (char.IsSurrogatePair(text[i], text[i + 1])) return true;
        return false;
    }

    static char StandIn(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        <= UnicodeCategory.OtherLetter => Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Number,
        _ => Other,
    };
}
