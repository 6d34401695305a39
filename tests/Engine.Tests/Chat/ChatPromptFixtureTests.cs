using System.Text.Json;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Tests.Text;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>SmolLM3's official template, loaded the way a model folder or GGUF ships it, against jinja2's renderings.</summary>
public class ChatPromptFixtureTests
{
    static string Folder => Fixtures.Require("tokenizers", "smollm3");
    static JsonElement Fixture => JsonDocument.Parse(File.ReadAllText(Fixtures.Require("chat-templates", "smollm3.json"))).RootElement;
    static ChatPromptBuilder Builder() => ChatPromptBuilder.FromHuggingFace(Folder, () => ChatCases.FixtureDate);

    [SkippableFact]
    public void FolderTemplateIsTheFixtureTemplate()
    {
        var builder = Builder();
        Assert.Equal(Fixture.GetProperty("template").GetString(), builder.TemplateSource);
        Assert.Equal("<|im_end|>", builder.Globals["eos_token"]);
        Assert.False(builder.Globals.ContainsKey("bos_token"));   // null in tokenizer_config.json: left undefined
        Assert.Equal("2026-11-22", Fixture.GetProperty("strftime_now_date").GetString());
    }

    [SkippableFact]
    public void EveryFixtureCaseRendersByteExact()
    {
        var builder = Builder();
        var cases = ChatCases.Load(Fixtures.Require("chat-templates", "smollm3.json"));
        Assert.Equal(10, cases.Length);
        foreach (var c in cases)
        {
            var vars = c.GetProperty("vars");
            var text = builder.Render(ChatCases.Messages(vars.GetProperty("messages")), ChatCases.Options(vars));
            Assert.Equal(c.GetProperty("expected").GetString(), text);
        }
    }

    [SkippableFact]
    public void ThinkingSwitchesAndCustomVariablesMatchJinja2()
    {
        var builder = Builder();
        var cases = ChatCases.Load(ChatCases.ExtraCasesPath);
        Assert.Equal(7, cases.Length);
        foreach (var c in cases)
        {
            var text = builder.Render(ChatCases.Messages(c.GetProperty("messages")),
                ChatCases.Options(c.TryGetProperty("options", out var o) ? o : JsonDocument.Parse("{}").RootElement));
            Assert.True(c.GetProperty("expected").GetString() == text, $"case '{c.GetProperty("name").GetString()}':\n{text}");
        }
    }

    [SkippableFact]
    public void PromptTokenizesChatMarkersAsSingleTokens()
    {
        var prompt = Builder().Build([ChatMessage.User("Hello")], TestTokenizers.Get("smollm3"), new ChatPromptOptions { EnableThinking = false });
        Assert.Equal(128011, prompt.Tokens[0]);
        Assert.Equal(3, prompt.Tokens.Count(t => t == 128011));   // system, user, assistant
        Assert.Equal(1, prompt.Tokens.Count(t => t == 128012));   // only the user turn: without tools the system turn stays open
        Assert.Contains(128002, prompt.Tokens);                   // <think>
        Assert.Equal(128003, prompt.Tokens[^2]);                  // </think>, then "\n"
        Assert.False(prompt.OpensReasoning);
    }

    [SkippableFact]
    public void GgufCarriesTheSameTemplateAndRendersTheSame()
    {
        using var gguf = GgufFile.Open(Fixtures.Require("tiny-smollm3", "model-q8_0.gguf"));
        var fromGguf = ChatPromptBuilder.FromGguf(gguf.Metadata, () => ChatCases.FixtureDate);
        var fromHf = ChatPromptBuilder.FromHuggingFace(Fixtures.Require("tiny-smollm3", "hf"), () => ChatCases.FixtureDate);
        Assert.Equal(fromHf.TemplateSource, fromGguf.TemplateSource);
        Assert.Equal("<|im_end|>", fromGguf.Globals["eos_token"]);
        ChatMessage[] chat = [ChatMessage.System("Be brief."), ChatMessage.User("Hi"), ChatMessage.Assistant("Hello"), ChatMessage.User("Bye")];
        foreach (var thinking in new bool?[] { null, false })
        {
            var options = new ChatPromptOptions { EnableThinking = thinking };
            Assert.Equal(fromHf.Render(chat, options), fromGguf.Render(chat, options));
        }
    }
}
