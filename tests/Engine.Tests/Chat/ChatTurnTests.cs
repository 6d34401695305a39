using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Tests.Text;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>Tokens of a scripted reply (real SmolLM3 ids) through decoding, stop strings, reasoning and tool-call parsing.</summary>
public class ChatTurnTests
{
    const int ImEnd = 128012;

    static TextTokenizer Tokenizer => TestTokenizers.Get("smollm3");

    // The reply as the generator would yield it: the last token carries the finish reason.
    static IEnumerable<GeneratedToken> Reply(string text, FinishReason finish, bool appendImEnd)
    {
        var ids = Tokenizer.Encode(text, parseSpecial: true).ToList();
        if (appendImEnd) ids.Add(ImEnd);
        for (var i = 0; i < ids.Count; i++)
            yield return new GeneratedToken(ids[i], -1.0, [], i == ids.Count - 1 ? finish : null);
    }

    static List<ChatEvent> Run(IEnumerable<GeneratedToken> tokens, ChatTurnOptions? options = null) =>
        Chunking.Merge(ChatTurn.Stream(tokens, new StreamingDecoder(Tokenizer), options));

    [SkippableFact]
    public void ReasoningAnswerAndToolCallUntilStopToken()
    {
        const string text = "<think>\nNeed weather.\n</think>\nChecking 🌤 <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        var events = Run(Reply(text, FinishReason.StopToken, appendImEnd: true));
        var count = Tokenizer.Encode(text, parseSpecial: true).Count + 1;   // + <|im_end|>
        Assert.Equal<ChatEvent>(
            [
                new ReasoningDelta("\nNeed weather.\n"),
                new AnswerDelta("\nChecking 🌤 "),
                new ToolCallEvent(new ToolCall("get_weather", """{"city": "Paris"}""")),
                new FinishedEvent(FinishReason.StopToken, null, count),
            ], events);
    }

    [SkippableFact]
    public void StopStringAcrossTokensEndsTheReplyAndStopsGeneration()
    {
        var produced = 0;
        IEnumerable<GeneratedToken> Counted()
        {
            foreach (var t in Reply("Answer: 4\n\nQuestion: what else? More text that must never be generated.", FinishReason.Length, false))
            {
                produced++;
                yield return t;
            }
        }
        var events = Run(Counted(), new ChatTurnOptions { StopStrings = ["\nQuestion:"] });
        Assert.Equal([new AnswerDelta("Answer: 4\n"), events[^1]], events);
        var finished = Assert.IsType<FinishedEvent>(events[^1]);
        Assert.Equal((FinishReason.StopString, "\nQuestion:"), (finished.Reason, finished.StopString));
        Assert.Equal(produced, finished.TokenCount);
        Assert.True(produced < Tokenizer.Encode("Answer: 4\n\nQuestion: what else? More text that must never be generated.").Count);
    }

    [SkippableFact]
    public void LengthFinishFlushesHeldTextAndUnterminatedCall()
    {
        var events = Run(Reply("Partial <tool_call>{\"name\": \"f\"", FinishReason.Length, false));
        Assert.Equal(FinishReason.Length, Assert.IsType<FinishedEvent>(events[^1]).Reason);
        Assert.Single(events.OfType<WarningEvent>());
        Assert.Equal("Partial <tool_call>{\"name\": \"f\"", string.Concat(events.OfType<AnswerDelta>().Select(a => a.Text)));
    }

    [SkippableFact]
    public void PromptOpenedReasoningAndNoToolParsing()
    {
        var events = Run(Reply("plan</think>see <tool_call>{}</tool_call>", FinishReason.StopToken, true),
            new ChatTurnOptions { StartInReasoning = true, ParseToolCalls = false });
        Assert.Equal([new ReasoningDelta("plan"), new AnswerDelta("see <tool_call>{}</tool_call>")], events[..^1]);
    }

    [SkippableFact]
    public void PushAfterFinishReturnsNothing()
    {
        var turn = new ChatTurn(new StreamingDecoder(Tokenizer));
        Assert.IsType<FinishedEvent>(Assert.Single(turn.Push(ImEnd, FinishReason.StopToken)));
        Assert.True(turn.IsFinished);
        Assert.Empty(turn.Push(ImEnd, null));
        Assert.Empty(turn.Finish());
    }
}
