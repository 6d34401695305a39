using System.Text;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>Streaming decode never shows half a character, and adds up to the full decode.</summary>
public sealed class StreamingDecoderTests
{
    public static TheoryData<string> MultiByteTexts => new()
    {
        "我想在apple工作1314151天～",
        "нещо на Български",
        "កាន់តែពិសេសអាចខលចេញ",
        "🚀 (normal) 😶‍🌫️ (multiple emojis concatenated) ✅ 🦙🦙",
        "e\u0301 a\u0308\u0323 Z\u0351\u036b\u0343 combining",
        "𝕳𝖊𝖑𝖑𝖔 𠜎𠜱 mixed ascii",
    };

    [SkippableTheory]
    [MemberData(nameof(MultiByteTexts))]
    public void TokenByTokenEqualsFullDecode(string text)
    {
        var splitsACharacter = false;
        foreach (var name in new[] { "smollm3", "gpt-2" })
        {
            var tok = TestTokenizers.Get(name);
            var ids = tok.Encode(text);
            splitsACharacter |= ids.Any(id => tok.Decode([id]).Contains('\uFFFD'));
            Assert.Equal(text, Stream(tok, ids));
        }
        // The case is only worth having if some token ends inside a character.
        Assert.True(splitsACharacter, "no token of this text ends inside a character");
    }

    [SkippableTheory]
    [MemberData(nameof(MultiByteTexts))]
    public void ByteByByteEqualsFullDecode(string text)
    {
        // Every byte has a one-byte token, so feeding those splits the text at every byte boundary.
        var tok = TestTokenizers.Get("smollm3");
        var ids = Encoding.UTF8.GetBytes(text).Select(b => tok.TokenToId(ByteToken(b))!.Value).ToList();
        Assert.Equal(text, tok.Decode(ids));
        Assert.Equal(text, Stream(tok, ids));
    }

    [SkippableFact]
    public void FlushReleasesUnfinishedBytesAsReplacement()
    {
        var tok = TestTokenizers.Get("smollm3");
        var decoder = new StreamingDecoder(tok);
        var bytes = Encoding.UTF8.GetBytes("a我");
        Assert.Equal("a", decoder.Add(tok.TokenToId(ByteToken(bytes[0]))!.Value));
        Assert.Equal("", decoder.Add(tok.TokenToId(ByteToken(bytes[1]))!.Value));
        Assert.Equal("", decoder.Add(tok.TokenToId(ByteToken(bytes[2]))!.Value));
        Assert.Equal("\uFFFD", decoder.Flush());
        Assert.Equal("", decoder.Flush());
    }

    [SkippableFact]
    public void SkipsSpecialTokensWhenAsked()
    {
        var tok = TestTokenizers.Get("smollm3");
        var ids = tok.Encode("<|im_start|>hi<|im_end|>", parseSpecial: true);
        var decoder = new StreamingDecoder(tok, skipSpecial: true);
        Assert.Equal("hi", string.Concat(ids.Select(decoder.Add)) + decoder.Flush());
    }

    static string ByteToken(byte b) => ByteLevelAlphabet.CharFor(b).ToString();

    // Feeds ids one at a time; every chunk must be whole characters.
    static string Stream(TextTokenizer tok, IEnumerable<int> ids)
    {
        var decoder = new StreamingDecoder(tok);
        var all = new StringBuilder();
        foreach (var id in ids)
        {
            var chunk = decoder.Add(id);
            Assert.DoesNotContain('\uFFFD', chunk);
            AssertNoLoneSurrogate(chunk);
            all.Append(chunk);
        }
        var rest = decoder.Flush();
        Assert.Equal("", rest);
        return all.Append(rest).ToString();
    }

    static void AssertNoLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else Assert.False(char.IsSurrogate(s[i]), $"lone surrogate U+{(int)s[i]:X4} at {i} in a chunk");
        }
    }
}
