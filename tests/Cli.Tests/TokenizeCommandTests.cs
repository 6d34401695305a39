using System.Text.Json;

namespace SmolLM3.Cli.Tests;

public class TokenizeCommandTests
{
    [SkippableFact]
    public async Task ChatTokensAreSingleIdsOnlyWithParseSpecial()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var special = await CliRun.WithInput("<|im_start|>user", "tokenize", "--model", model, "--parse-special");
        Assert.True(special.ExitCode == 0, special.Stderr);
        var ids = JsonSerializer.Deserialize<int[]>(special.Stdout)!;
        Assert.Equal(128011, ids[0]);

        var plain = await CliRun.WithInput("<|im_start|>user", "tokenize", "--model", model);
        Assert.DoesNotContain(128011, JsonSerializer.Deserialize<int[]>(plain.Stdout)!);
    }

    [SkippableFact]
    public async Task GgufAndHuggingFaceFolderAgree()
    {
        const string text = "Hello world, 12345 tokens: ünïcödé 😀\n";
        var hf = await CliRun.WithInput(text, "tokenize", "--model", Fixtures.Require("tiny-smollm3", "hf"));
        var gguf = await CliRun.WithInput(text, "tokenize", "--model", Fixtures.Require("tiny-smollm3", "model-q8_0.gguf"));
        Assert.True(hf.ExitCode == 0 && gguf.ExitCode == 0, hf.Stderr + gguf.Stderr);
        Assert.Equal(hf.Stdout, gguf.Stdout);
        Assert.Equal(new[] { 9906, 1917 }, JsonSerializer.Deserialize<int[]>(hf.Stdout)![..2]);
    }
}
