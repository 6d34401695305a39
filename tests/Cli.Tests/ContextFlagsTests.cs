using System.Text.Json;

namespace SmolLM3.Cli.Tests;

/// <summary>
/// <c>--context-length</c>, <c>--rope-scaling</c>, <c>--rope-scale</c>, <c>--yarn-orig-ctx</c> on the model commands:
/// the context in effect (factor × original under YaRN), and bad values refused up front as usage errors.
/// </summary>
public sealed class ContextFlagsTests : IDisposable
{
    readonly TempFolder dir = new();

    public void Dispose() => dir.Dispose();

    static string Yarn => Fixtures.Require("long-context", "tiny-smollm3-yarn");

    static async Task<JsonElement> InspectJson(params string[] args)
    {
        var run = await CliRun.Of(["inspect", "--json", .. args]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    [SkippableFact]
    public async Task InspectShowsTheYarnContextOfTheCheckpoint()
    {
        var r = await InspectJson("--model", Yarn);
        Assert.Equal(2048, r.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal(8192, r.GetProperty("context_length").GetInt32());
        Assert.Equal(4.0, r.GetProperty("yarn").GetProperty("factor").GetDouble());
        Assert.Equal(2048, r.GetProperty("yarn").GetProperty("original_max_position_embeddings").GetInt32());

        var table = await CliRun.Of("inspect", "--model", Yarn, "--context-length", "4000");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("YaRN factor 4 × original context 2,048 = 8,192", table.Stdout);
        Assert.Contains("4,000 (of 8,192 the rope scaling supports)", table.Stdout);
    }

    [SkippableFact]
    public async Task InspectShowsTheScalingTheFlagsSet()
    {
        var r = await InspectJson("--model", Fixtures.Require("tiny-smollm3", "hf"),
            "--rope-scaling", "yarn", "--rope-scale", "2", "--yarn-orig-ctx", "65536", "--context-length", "131072");
        Assert.Equal(65536, r.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal(131072, r.GetProperty("context_length").GetInt32());
        Assert.Equal(2.0, r.GetProperty("yarn").GetProperty("factor").GetDouble());

        var off = await InspectJson("--model", Yarn, "--rope-scaling", "none");
        Assert.Equal(JsonValueKind.Null, off.GetProperty("yarn").ValueKind);
        Assert.Equal(2048, off.GetProperty("context_length").GetInt32());
    }

    public static TheoryData<string[], string[]> BadSettings => new()
    {
        { ["--context-length", "0"], ["--context-length must be positive"] },
        { ["--context-length", "-3"], ["--context-length must be positive"] },
        { ["--context-length", "9000"], ["--context-length 9000", "8192"] },
        { ["--rope-scale", "0"], ["--rope-scale must be", "at least 1"] },
        { ["--rope-scale", "-2"], ["--rope-scale must be", "at least 1"] },
        { ["--yarn-orig-ctx", "4096"], ["--yarn-orig-ctx 4096 contradicts the checkpoint", "2048"] },
        { ["--rope-scaling", "none", "--rope-scale", "2"], ["--rope-scale contradicts --rope-scaling none"] },
        { ["--rope-scaling", "linear"], ["linear"] },
    };

    [SkippableTheory]
    [MemberData(nameof(BadSettings))]
    public async Task BadSettingsAreUsageErrorsNamingTheFlag(string[] flags, string[] mentions) =>
        (await CliRun.Of(["inspect", "--model", Yarn, .. flags])).AssertError(2, mentions);

    [SkippableFact]
    public async Task ScalingACheckpointWithoutYarnNeedsYarnAndItsOwnOriginal()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        (await CliRun.Of("inspect", "--model", model, "--rope-scale", "2")).AssertError(2, "--rope-scale", "add --rope-scaling yarn");
        (await CliRun.Of("inspect", "--model", model, "--rope-scaling", "yarn")).AssertError(2, "--rope-scaling yarn needs a factor", "--rope-scale");
        (await CliRun.Of("inspect", "--model", model, "--rope-scaling", "yarn", "--rope-scale", "2", "--yarn-orig-ctx", "32768"))
            .AssertError(2, "--yarn-orig-ctx 32768", "65536", "max_position_embeddings");
    }

    /// <summary>Every command that loads a model refuses a bad setting before it loads anything (run before it starts a cluster).</summary>
    [SkippableTheory]
    [InlineData("generate", "--prompt", "hi")]
    [InlineData("chat")]
    [InlineData("score", "--prompts", "p.txt", "--forced", "f.txt")]
    [InlineData("run", "--grpc-port", "0", "--http-port", "0")]
    [InlineData("bench", "cluster")]
    public async Task EveryModelCommandTakesTheFlags(params string[] command)
    {
        string[] args = [.. command, "--model", Yarn, "--context-length", "9000"];
        for (int i = 0; i < args.Length; i++)
            if (args[i].EndsWith(".txt")) args[i] = dir.Write(args[i], "1 2 3\n");
        (await CliRun.Of(args)).AssertError(2, "--context-length 9000", "8192");
    }

    [SkippableFact]
    public async Task ScoreReadsEightThousandTokensPastTheOriginalContext()
    {
        var reference = LlamaCppReference.Load(Path.Combine(Yarn, "ref-8k.json"));
        var c = reference.Cases[0];
        var run = await CliRun.Of("score", "--model", Yarn, "--prompts", dir.Write("p.txt", string.Join(" ", c.Prompt)),
            "--forced", dir.Write("f.txt", string.Join(" ", c.Forced)), "--dtype", "f32");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var ours = LlamaCppReference.Parse(run.Stdout).Cases[0];
        for (int i = 0; i < c.Steps.Count; i++)
            Assert.True(Math.Abs(c.Steps[i].Top[0].Logprob - ours.Steps[i].Top[0].Logprob) <= 2e-3, $"step {i}");
    }

    [SkippableFact]
    public async Task AScoredSequenceLongerThanTheContextNamesBothNumbers()
    {
        var run = await CliRun.Of("score", "--model", Yarn, "--context-length", "16",
            "--prompts", dir.Write("p.txt", string.Join(" ", Enumerable.Range(100, 20))), "--forced", dir.Write("f.txt", "5 6 7"));
        run.AssertError(2, "case 1", "needs 22 positions", "context holds 16");
    }

    [SkippableFact]
    public async Task AGeneratePromptLongerThanTheContextNamesBothNumbers()
    {
        var run = await CliRun.Of("generate", "--model", Fixtures.Require("tiny-smollm3", "hf"), "--context-length", "8",
            "--prompt", "Please tell me a long story about the sea and its ships");
        run.AssertError(2, "positions but the context holds 8");
    }

    [SkippableFact]
    public async Task AGeneratedReplyEndsWhereTheContextDoes()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        string[] generate = ["generate", "--model", model, "--prompt", "Hi", "--raw", "--temperature", "0", "--max-tokens", "50", "--json"];
        var free = JsonDocument.Parse((await CliRun.Of(generate)).Stdout).RootElement;
        int prompt = free.GetProperty("prompt_tokens").GetInt32();
        Assert.True(free.GetProperty("tokens").GetInt32() >= 5, "greedy, the tiny model runs past 4 tokens when the context allows");

        var run = await CliRun.Of([.. generate, "--context-length", (prompt + 3).ToString()]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        var capped = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("Length", capped.GetProperty("finish").GetString());
        Assert.Equal(4, capped.GetProperty("tokens").GetInt32());   // the last token is not fed, so it needs no position
    }
}
