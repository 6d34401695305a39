using System.Text.Json;
using System.Text.RegularExpressions;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;
using TorchSharp;

namespace SmolLM3.Cli.Tests;

/// <summary>template, generate and chat on the tiny SmolLM3 fixture, against independent references.</summary>
public class ChatCommandsTests
{
    [SkippableFact]
    public async Task TemplateRendersEveryJinja2CaseByteExact()
    {
        var fixture = JsonDocument.Parse(File.ReadAllText(Fixtures.Require("chat-templates", "smollm3.json"))).RootElement;
        var model = Fixtures.Require("tokenizers", "smollm3");
        var date = fixture.GetProperty("strftime_now_date").GetString()!;
        int n = 0;
        foreach (var c in fixture.GetProperty("cases").EnumerateArray())
        {
            var run = await CliRun.WithInput(c.GetProperty("vars").GetRawText(), "template", "--model", model, "--date", date);
            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Equal(c.GetProperty("expected").GetString(), run.Stdout);
            n++;
        }
        Assert.True(n >= 5);
    }

    [SkippableFact]
    public async Task TemplateErrorsAreUsageErrors()
    {
        var model = Fixtures.Require("tokenizers", "smollm3");
        (await CliRun.WithInput("{not json", "template", "--model", model)).AssertError(2, "not valid JSON");
        using var dir = new TempFolder();
        var raising = dir.Write("t.jinja", "{{ raise_exception('no system role here') }}");
        (await CliRun.WithInput("{}", "template", "--model", model, "--template", raising)).AssertError(2, "no system role here");
    }

    [SkippableFact]
    public async Task GreedyGenerateEqualsTheEngineOnTheSamePromptTokens()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var run = await CliRun.Of("generate", "--model", model, "--prompt", "Hello! What is 2+2?", "--temperature", "0", "--max-tokens", "10", "--json", "--dtype", "f32");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("Length", result.GetProperty("finish").GetString());
        Assert.Equal(10, result.GetProperty("tokens").GetInt32());

        // the same prompt through the template command and the tokenizer, then the engine's own greedy loop
        var rendered = await CliRun.WithInput("""{"messages":[{"role":"user","content":"Hello! What is 2+2?"}],"add_generation_prompt":true}""", "template", "--model", model);
        var tokenizer = TextTokenizer.FromHuggingFace(model);
        var prompt = tokenizer.Encode(rendered.Stdout, parseSpecial: true).ToArray();
        Assert.Equal(prompt.Length, result.GetProperty("prompt_tokens").GetInt32());
        using var source = ModelSources.Open(model);
        using var lm = CausalLM.Load(source, torch.ScalarType.Float32, torch.CPU);
        using var cache = lm.NewCache();
        var ids = Generator.Generate(lm, cache, prompt, new SamplingOptions { Temperature = 0, MaxTokens = 10 }).Select(t => t.Token).ToList();
        Assert.Equal(tokenizer.Decode(ids), result.GetProperty("answer").GetString() + result.GetProperty("reasoning").GetString());
    }

    [SkippableFact]
    public async Task ChatReusesTheCacheOnTheSecondTurn()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var run = await CliRun.WithInput("Hello there\nAnd a second question\n", "chat", "--model", model, "--temperature", "0", "--max-tokens", "6", "--no-thinking");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var turns = Regex.Matches(run.Stderr, @"\[(\d+) prompt tokens, (\d+) from cache, (\d+) generated\]");
        Assert.Equal(2, turns.Count);
        int prompt1 = int.Parse(turns[0].Groups[1].Value), reused2 = int.Parse(turns[1].Groups[2].Value);
        Assert.Equal(0, int.Parse(turns[0].Groups[2].Value));
        // the second prompt starts with the first one, so at least all of it comes from the cache
        Assert.InRange(reused2, prompt1, int.Parse(turns[1].Groups[1].Value) - 1);
    }

    [SkippableTheory]
    [InlineData("--temperature", "-1", "Temperature")]
    [InlineData("--top-p", "1.5", "TopP")]
    public async Task BadSamplingValuesNameTheField(string flag, string value, string field)
    {
        var run = await CliRun.Of("generate", "--model", Fixtures.Require("tiny-smollm3", "hf"), "--prompt", "hi", flag, value);
        run.AssertError(2, flag, field);
    }

    [SkippableFact]
    public async Task ToolsFileReachesTheTemplateAsXmlTools()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        using var dir = new TempFolder();
        var tools = dir.Write("tools.json", """[{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]""");
        async Task<int> PromptTokens(params string[] extra)
        {
            var run = await CliRun.Of(["generate", "--model", model, "--prompt", "Weather in Paris?", "--temperature", "0", "--max-tokens", "1", "--json", .. extra]);
            Assert.True(run.ExitCode == 0, run.Stderr);
            return JsonDocument.Parse(run.Stdout).RootElement.GetProperty("prompt_tokens").GetInt32();
        }
        var without = await PromptTokens();
        var with = await PromptTokens("--tools", tools);
        // the schema's own tokens are in the prompt
        var schemaTokens = TextTokenizer.FromHuggingFace(model).Encode("\"get_weather\"").Count;
        Assert.True(with > without + schemaTokens, $"{with} vs {without}");
        (await CliRun.Of("generate", "--model", model, "--prompt", "x", "--tools", dir.Write("bad.json", "{\"not\": \"an array\"}"))).AssertError(2, "JSON array");
    }

    [SkippableFact]
    public async Task EmptyPromptAndContradictoryThinkingAreRefused()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        (await CliRun.Of("generate", "--model", model, "--prompt", "  ")).AssertError(2, "empty");
        (await CliRun.Of("generate", "--model", model, "--prompt", "hi", "--thinking", "--no-thinking")).AssertError(2, "--no-thinking");
    }
}
