using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Tests.Chat;

public class StopStringMatcherTests
{
    static (string Text, string? Matched, string Flushed) Run(string[] stops, params string[] chunks)
    {
        var m = new StopStringMatcher(stops);
        var text = string.Concat(chunks.Select(m.Push));
        return (text, m.Matched, m.Flush());
    }

    [Theory]
    [InlineData("The answer is 42.\nUser: next", new[] { "\nUser:" })]
    [InlineData("abcdef", new[] { "abcde", "cd" })]          // "cd" completes first
    [InlineData("xxababc", new[] { "abc", "bab" })]           // "bab" ends at 5, "abc" at 7
    [InlineData("no stop here, only a prefix: END", new[] { "ENDING", "STOP" })]
    [InlineData("aaab", new[] { "aab" })]
    public void EveryCutGivesTheWholeResult(string text, string[] stops)
    {
        var whole = Run(stops, text);
        foreach (var chunks in Chunking.AllCuts(text))
        {
            var cut = Run(stops, chunks);
            Assert.Equal(whole.Matched, cut.Matched);
            Assert.Equal(whole.Text + whole.Flushed, cut.Text + cut.Flushed);
        }
    }

    [Fact]
    public void StopStringAndWhatFollowsAreDropped() =>
        Assert.Equal(("The answer is 42.", "\nUser:", ""), Run(["\nUser:"], "The answer is 42.\nUs", "er: next"));

    [Fact]
    public void FirstToCompleteWins() => Assert.Equal(("ab", "cd", ""), Run(["abcde", "cd"], "abcdef"));

    [Fact]
    public void PossiblePrefixIsHeldBackUntilDecided()
    {
        var m = new StopStringMatcher(["</end>"]);
        Assert.Equal("x ", m.Push("x </e"));
        Assert.Equal("</ex", m.Push("x"));
        Assert.Equal("", m.Push("</en"));
        Assert.Null(m.Matched);
        Assert.Equal("</en", m.Flush());
    }

    [Fact]
    public void NothingAfterAMatch()
    {
        var m = new StopStringMatcher(["."]);
        Assert.Equal("a", m.Push("a.b"));
        Assert.Equal("", m.Push("more"));
        Assert.Equal("", m.Flush());
    }

    [Fact]
    public void StopStringSplitAcrossThreePiecesIsNeverSent() =>
        Assert.Equal(("hello ", "END", ""), Run(["END"], "hello E", "N", "D and more"));

    [Fact]
    public void HeldBackTextIsReleasedWhenNoStopFollows()
    {
        var (text, matched, flushed) = Run(["END"], "ends with E");
        Assert.Null(matched);
        Assert.Equal("ends with E", text + flushed);
    }

    [Fact]
    public void WithoutStopStringsTextPassesStraightThrough() => Assert.Equal(("abc", null, ""), Run([], "abc"));

    [Fact]
    public void EmptyStopStringIsRejected() => Assert.Throws<ArgumentException>(() => new StopStringMatcher(["x", ""]));
}
