using SmolLM3.Engine.Benchmarking;

namespace SmolLM3.Engine.Tests.Benchmarking;

public class FillerTextTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1001)]
    public void It_is_the_fewest_words_whose_count_reaches_the_target(int tokens)
    {
        int Count(string text) => 5 + 3 * text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;   // a template's 5, 3 per word
        var text = FillerText.ForTokens("tide", tokens, Count);
        int words = text.Split(' ').Length;
        Assert.True(Count(text) >= tokens);
        Assert.True(words == 1 || Count(string.Join(' ', text.Split(' ').Skip(1))) < tokens, $"{words} words are more than needed for {tokens}");
        Assert.StartsWith("tide0", text);
    }
}
