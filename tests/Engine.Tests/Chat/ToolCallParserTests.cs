using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Tests.Chat;

public class ToolCallParserTests
{
    static List<ChatEvent> Run(params string[] chunks)
    {
        var p = new ToolCallParser();
        var events = chunks.SelectMany(p.Push).ToList();
        events.AddRange(p.Flush());
        return Chunking.Merge(events);
    }

    [Theory]
    [InlineData("Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call> ok")]
    [InlineData("<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call><tool_call>{\"name\": \"b\"}</tool_call>")]
    [InlineData("x <tool_call>{\"name\": 1}</tool_call> y <tool_call>{\"name\": \"z\"")]
    [InlineData("<tool_cal <tool_call>not json</tool_call></tool_call> <tool_")]
    public void EveryCutGivesTheWholeResult(string text)
    {
        var whole = Run(text);
        foreach (var chunks in Chunking.AllCuts(text))
            Assert.Equal(whole, Run(chunks));
    }

    [Fact]
    public void CallsAreExtractedWithArgumentsAsJsonText() =>
        Assert.Equal(
            [new AnswerDelta("Sure.\n"), new ToolCallEvent(new ToolCall("get_weather", """{"city": "Paris"}""")), new AnswerDelta(" ok")],
            Run("Sure.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call> ok"));

    [Fact]
    public void MissingArgumentsBecomeEmptyObjectAndStringArgumentsAreUnquoted() =>
        Assert.Equal(
            [new ToolCallEvent(new ToolCall("a", "{}")), new ToolCallEvent(new ToolCall("b", """{"k":2}"""))],
            Run("""<tool_call>{"name": "a"}</tool_call><tool_call>{"name": "b", "arguments": "{\"k\":2}"}</tool_call>"""));

    [Theory]
    [InlineData("<tool_call>{\"name\": \"f\", \"arguments\": {</tool_call>", "invalid JSON")]
    [InlineData("<tool_call>{\"arguments\": {}}</tool_call>", "no \"name\"")]
    [InlineData("<tool_call>[1, 2]</tool_call>", "not a JSON object")]
    [InlineData("<tool_call>{\"name\": \"f\"", "not terminated")]
    public void MalformedCallComesBackAsTextWithAWarning(string text, string reason)
    {
        var events = Run("before ", text, " after");
        var warning = Assert.Single(events.OfType<WarningEvent>());
        Assert.Contains(reason, warning.Message);
        Assert.DoesNotContain(events, e => e is ToolCallEvent);
        Assert.Equal("before " + text + " after", string.Concat(events.OfType<AnswerDelta>().Select(a => a.Text)));
    }
}
