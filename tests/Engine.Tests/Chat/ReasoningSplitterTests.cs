using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Tests.Chat;

public class ReasoningSplitterTests
{
    static List<ChatEvent> Run(string[] chunks, bool startInReasoning = false)
    {
        var s = new ReasoningSplitter(startInReasoning);
        var events = chunks.SelectMany(s.Push).ToList();
        events.AddRange(s.Flush());
        Assert.DoesNotContain(events, e => e is AnswerDelta { Text: "" } or ReasoningDelta { Text: "" });
        return Chunking.Merge(events);
    }

    [Theory]
    [InlineData("<think>\nLet me add.\n</think>\n4", false)]
    [InlineData("Let me add.\n</think>\n\n4 <thi", true)]
    [InlineData("a <thin k> <think>b</thin</think>c</think>d <", false)]
    [InlineData("no tags at all, only < and </ and <th", false)]
    public void EveryCutGivesTheWholeResult(string text, bool startInReasoning)
    {
        var whole = Run([text], startInReasoning);
        foreach (var chunks in Chunking.AllCuts(text))
            Assert.Equal(whole, Run(chunks, startInReasoning));
    }

    [Fact]
    public void TagsSeparateReasoningFromAnswerAndAreNotEmitted() =>
        Assert.Equal([new AnswerDelta("x"), new ReasoningDelta("\nplan\n"), new AnswerDelta("\nanswer")],
            Run(["x<think>\nplan\n</think>\nanswer"]));

    [Fact]
    public void PromptOpenedThinkStartsInReasoning() =>
        Assert.Equal([new ReasoningDelta("plan"), new AnswerDelta("done")], Run(["plan</think>done"], startInReasoning: true));

    [Fact]
    public void PartialTagIsHeldBackThenReleased()
    {
        var s = new ReasoningSplitter();
        Assert.Equal([new AnswerDelta("hi ")], s.Push("hi <thi"));
        Assert.Empty(s.Push("n"));
        Assert.Equal([new AnswerDelta("<thinx")], s.Push("x"));
        Assert.Equal([new AnswerDelta("<")], [.. s.Push("<"), .. s.Flush()]);
    }
}
