using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>Argument checks, template failures, overrides, and the shapes of tokenizer_config.json a folder may hold.</summary>
public sealed class ChatPromptValidationTests : IDisposable
{
    readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    static readonly ChatPromptBuilder Echo = new("{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}");

    [Fact]
    public void EmptyConversationIsRejected() =>
        Assert.Contains("at least one message", Assert.Throws<ArgumentException>(() => Echo.Render([])).Message);

    [Fact]
    public void UnknownRoleIsRejectedWithItsPosition()
    {
        var e = Assert.Throws<ArgumentException>(() => Echo.Render([ChatMessage.User("a"), new ChatMessage("developer", "b")]));
        Assert.Contains("message 1 has unknown role 'developer'", e.Message);
    }

    [Fact]
    public void TemplateRaisingGivesItsMessage()
    {
        var strict = new ChatPromptBuilder("{% if messages[0].role != 'user' %}{{ raise_exception('Conversation must start with a user turn') }}{% endif %}ok");
        Assert.Equal("ok", strict.Render([ChatMessage.User("x")]));
        var e = Assert.Throws<ChatTemplateException>(() => strict.Render([ChatMessage.Assistant("x")]));
        Assert.True(e.RaisedByTemplate);
        Assert.Equal("Conversation must start with a user turn", e.Message);
    }

    [Fact]
    public void TemplateErrorsOtherThanRaiseAreWrapped()
    {
        var broken = new ChatPromptBuilder("{{ messages[5].content }}");
        var e = Assert.Throws<ChatTemplateException>(() => broken.Render([ChatMessage.User("x")]));
        Assert.False(e.RaisedByTemplate);
        Assert.StartsWith("chat template failed:", e.Message);
    }

    [Fact]
    public void OptionalMessageFieldsAreDefinedOnlyWhenSet()
    {
        var t = new ChatPromptBuilder("{% for m in messages %}{{ m.reasoning_content is defined }}/{{ m.tool_calls is defined }}"
            + "{% if m.tool_calls %}:{{ m.tool_calls[0].function.name }}{{ m.tool_calls[0].function.arguments | tojson }}{% endif %};{% endfor %}");
        var text = t.Render([ChatMessage.User("q"), ChatMessage.Assistant("a", "why", [new ToolCall("f", """{"x": 1}""")])]);
        Assert.Equal("""False/False;True/True:f{"x": 1};""", text);
    }

    [Fact]
    public void EnableThinkingIsPassedOnlyWhenSet()
    {
        var t = new ChatPromptBuilder("{{ enable_thinking is defined }}{% if enable_thinking is defined %}={{ enable_thinking }}{% endif %}");
        Assert.Equal("False", t.Render([ChatMessage.User("q")]));
        Assert.Equal("True=False", t.Render([ChatMessage.User("q")], new ChatPromptOptions { EnableThinking = false }));
    }

    [Fact]
    public void TemplateOverrideKeepsTheGlobals()
    {
        File.WriteAllText(temp.PathFor("tokenizer_config.json"), """{"chat_template": "model", "bos_token": {"content": "<s>"}, "eos_token": "</s>"}""");
        var custom = ChatPromptBuilder.FromHuggingFace(temp.Root).WithTemplate("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}");
        Assert.Equal("<s>hi</s>", custom.Render([ChatMessage.User("hi")]));
    }

    [Fact]
    public void NamedTemplateListUsesDefault()
    {
        File.WriteAllText(temp.PathFor("tokenizer_config.json"),
            """{"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "plain"}]}""");
        Assert.Equal("plain", ChatPromptBuilder.FromHuggingFace(temp.Root).TemplateSource);
    }

    [Fact]
    public void JinjaFileIsPreferredToConfig()
    {
        File.WriteAllText(temp.PathFor("tokenizer_config.json"), """{"chat_template": "from config"}""");
        File.WriteAllText(temp.PathFor("chat_template.jinja"), "from file");
        Assert.Equal("from file", ChatPromptBuilder.FromHuggingFace(temp.Root).TemplateSource);
    }

    [Fact]
    public void FolderWithoutTemplateSaysSo()
    {
        File.WriteAllText(temp.PathFor("tokenizer_config.json"), """{"eos_token": "</s>"}""");
        Assert.Contains("no chat template", Assert.Throws<ModelFormatException>(() => ChatPromptBuilder.FromHuggingFace(temp.Root)).Message);
    }

    [Fact]
    public void ServingAModelWithoutTemplateFallsBackToChatMl()
    {
        File.WriteAllText(temp.PathFor("tokenizer_config.json"), """{"eos_token": "</s>"}""");
        var text = ChatPromptBuilder.ForModel(temp.Root).Render([new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi")]);
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void PromptEndingInsideThinkOpensReasoning()
    {
        Assert.True(ChatPrompt.EndsInsideReasoning("<|im_start|>assistant\n<think>\n"));
        Assert.False(ChatPrompt.EndsInsideReasoning("<|im_start|>assistant\n<think>\n\n</think>\n"));
        Assert.False(ChatPrompt.EndsInsideReasoning("<|im_start|>assistant\n"));
    }
}
