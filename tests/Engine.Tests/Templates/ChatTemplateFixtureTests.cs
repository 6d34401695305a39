using System.Text.Json;
using SmolLM3.Engine.Templates;

namespace SmolLM3.Engine.Tests.Templates;

/// <summary>Every case of shared/fixtures/chat-templates renders byte-exact to what Python jinja2 produced.</summary>
public class ChatTemplateFixtureTests
{
    static readonly string[] Files = ["smollm3.json", "smollm3-llamacpp-variant.json", "llama-3.1.json", "qwen2.5.json"];

    [SkippableTheory]
    [InlineData("smollm3.json")]
    [InlineData("smollm3-llamacpp-variant.json")]
    [InlineData("llama-3.1.json")]
    [InlineData("qwen2.5.json")]
    public void RendersEveryCaseByteExact(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixtures.Require("chat-templates", file)));
        var root = doc.RootElement;
        var date = DateTime.ParseExact(root.GetProperty("strftime_now_date").GetString()!, "yyyy-MM-dd", null);
        var template = ChatTemplate.Parse(root.GetProperty("template").GetString()!, () => date);
        var globals = ChatTemplate.VariablesFromJson(root.GetProperty("globals"));

        int n = 0;
        foreach (var c in root.GetProperty("cases").EnumerateArray())
        {
            var vars = new Dictionary<string, object?>(globals);
            foreach (var (k, v) in ChatTemplate.VariablesFromJson(c.GetProperty("vars"))) vars[k] = v;
            var expected = c.GetProperty("expected").GetString()!;
            var actual = template.Render(vars);
            if (actual != expected)
            {
                int at = 0;
                while (at < Math.Min(actual.Length, expected.Length) && actual[at] == expected[at]) at++;
                Assert.Fail($"{file} case {n}: first difference at {at}\nexpected: …{Excerpt(expected, at)}\nactual:   …{Excerpt(actual, at)}");
            }
            n++;
        }
        Assert.True(n > 0, "no cases");
    }

    [SkippableFact]
    public void EveryFixtureFileIsCovered()
    {
        var dir = Fixtures.Require("chat-templates");
        var present = Directory.GetFiles(dir, "*.json").Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(Files.Order().ToArray(), present);
    }

    static string Excerpt(string s, int at) =>
        JsonSerializer.Serialize(s.Substring(Math.Max(0, at - 30), Math.Min(s.Length, at + 50) - Math.Max(0, at - 30)));
}
