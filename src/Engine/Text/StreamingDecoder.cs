using System.Text;

namespace SmolLM3.Engine.Text;

/// <summary>
/// Turns generated ids into text as they arrive. A token may end in the middle of a UTF-8 character
/// (byte-level BPE splits CJK and emoji across tokens), so trailing bytes of an unfinished character
/// are held back until the token that completes it; <see cref="Flush"/> releases what is left.
/// </summary>
public sealed class StreamingDecoder(TextTokenizer tokenizer, bool skipSpecial = false)
{
    readonly List<byte> pending = [];

    /// <summary>The text that <paramref name="id"/> completes; empty while a character is unfinished.</summary>
    public string Add(int id)
    {
        tokenizer.AppendBytes(id, pending, skipSpecial);
        var ready = pending.Count - UnfinishedTail();
        if (ready == 0) return "";
        var text = Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)[..ready]);
        pending.RemoveRange(0, ready);
        return text;
    }

    /// <summary>Whatever is held back, with bytes that never formed a character as U+FFFD.</summary>
    public string Flush()
    {
        var text = Encoding.UTF8.GetString(pending.ToArray());
        pending.Clear();
        return text;
    }

    // Length of a trailing lead byte plus its continuation bytes when they are fewer than the lead
    // announces; 0 when the bytes end on a character boundary (or in bytes that cannot be completed).
    int UnfinishedTail()
    {
        for (var k = 1; k <= Math.Min(3, pending.Count); k++)
        {
            var b = pending[^k];
            if (b is >= 0x80 and <= 0xBF) continue;   // continuation byte: keep looking for the lead
            var needed = b switch
            {
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => 0,
            };
            return needed > k ? k : 0;
        }
        return 0;
    }
}
