using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Text;

/// <summary>The split stages, on cases where UTF-16 and code-point matching part ways.</summary>
public sealed class PreTokenizerTests
{
    static string[] Pieces(string text, params string[] patterns) =>
        new RegexSequencePreTokenizer(patterns).Split(text).Select(p => text.Substring(p.Offset, p.Length)).ToArray();

    [Fact]
    public void Llama3TakesOneNonLetterBeforeAWordEvenOutsideTheBmp()
    {
        // [^\r\n\p{L}\p{N}]?\p{L}+ : the optional char is a whole emoji, not half of it.
        Assert.Equal(["😀abc"], Pieces("😀abc", PreTokenizerPatterns.Llama3));
        Assert.Equal([" hi", "!😀", "abc"], Pieces(" hi!😀abc", PreTokenizerPatterns.Llama3));
    }

    [Fact]
    public void LettersAndDigitsOutsideTheBmpKeepTheirClass()
    {
        Assert.Equal(["a𝕳b", " 𠜎𠜱"], Pieces("a𝕳b 𠜎𠜱", PreTokenizerPatterns.Gpt2));
        // \p{N}{1,3} counts code points: four mathematical digits are 3 + 1.
        Assert.Equal(["𝟏𝟐𝟑", "𝟒"], Pieces("𝟏𝟐𝟑𝟒", PreTokenizerPatterns.Llama3));
    }

    [Fact]
    public void StagesSplitEachOthersPieces()
    {
        Assert.Equal(["abc", "1", "2", "3", " x"], Pieces("abc123 x", PreTokenizerPatterns.SingleDigit, PreTokenizerPatterns.Gpt2));
        Assert.Equal(["abc", "123", " x"], Pieces("abc123 x", PreTokenizerPatterns.Gpt2));
        Assert.Empty(Pieces("", PreTokenizerPatterns.Gpt2));
    }

    [Fact]
    public void LoneSurrogatesStayWhole()
    {
        var text = "a\uD800b";
        Assert.Equal(text, string.Concat(Pieces(text, PreTokenizerPatterns.Llama3)));
        Assert.Equal(text + "😀", string.Concat(Pieces(text + "😀", PreTokenizerPatterns.Llama3)));
    }
}
