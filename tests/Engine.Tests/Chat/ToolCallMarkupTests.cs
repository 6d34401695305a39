using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>Tool calls written as SmolLM3 writes them, for templates that never read <c>tool_calls</c>; the parser reads them back.</summary>
public class ToolCallMarkupTests
{
    static readonly ToolCall[] Calls = [new("get_weather", """{"city": "Paris"}"""), new("get_time", "{}")];

    [Fact]
    public void Calls_follow_the_content_one_block_each_and_the_parser_reads_them_back()
    {
        Assert.Equal("Checking.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n"
            + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>", ToolCallMarkup.Append("Checking.", Calls));

        var parser = new ToolCallParser();
        var events = parser.Push(ToolCallMarkup.Append("", Calls)).Concat(parser.Flush()).ToList();
        Assert.Equal(Calls, events.OfType<ToolCallEvent>().Select(e => e.Call));
        Assert.All(events.OfType<AnswerDelta>(), d => Assert.Equal("\n", d.Text));
    }

    [Theory]
    [InlineData("{% for m in messages %}{{ m.content }}{% endfor %}", false)]
    [InlineData("{% for m in messages %}{{ m.tool_calls }}{% endfor %}", true)]
    public void The_builder_tells_whether_its_template_reads_tool_calls(string template, bool reads) =>
        Assert.Equal(reads, new ChatPromptBuilder(template).ReadsToolCalls);

    [Fact]
    public void The_tool_call_id_of_a_tool_result_reaches_the_template() =>
        Assert.Equal("|call_1", new ChatPromptBuilder("{% for m in messages %}{{ m.tool_call_id }}|{% endfor %}")
            .Render([ChatMessage.User("q"), ChatMessage.Tool("11", "call_1")]).TrimEnd('|'));
}
