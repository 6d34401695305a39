using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmolLM3.Cli.Tests;

public sealed class ScoreCommandTests : IDisposable
{
    readonly TempFolder dir = new();

    public void Dispose() => dir.Dispose();

    (string Prompts, string Forced) WriteInputs(LlamaCppReference reference)
    {
        var prompts = dir.Write("prompts.txt", string.Join("\n", reference.Cases.Select(c => string.Join(" ", c.Prompt))) + "\n");
        var forced = dir.Write("forced.txt", string.Join("\n", reference.Cases.Select(c => string.Join(" ", c.Steps.Select(s => s.Token)))) + "\n");
        return (prompts, forced);
    }

    async Task<CliRun> Score(string model, string prompts, string forced, params string[] more) =>
        await CliRun.Of(["score", "--model", model, "--prompts", prompts, "--forced", forced, .. more]);

    /// <summary>
    /// Same cases, prompts and forced tokens; every listed logprob within <paramref name="tolerance"/>
    /// (by rank, and by token where both list it); the same top-1 wherever the reference margin exceeds 0.01.
    /// </summary>
    static void AssertMatches(LlamaCppReference reference, LlamaCppReference actual, double tolerance)
    {
        Assert.Equal(reference.Cases.Count, actual.Cases.Count);
        foreach (var (want, got) in reference.Cases.Zip(actual.Cases))
        {
            Assert.Equal(want.Prompt, got.Prompt);
            Assert.Equal(want.Steps.Select(s => s.Token), got.Steps.Select(s => s.Token));
            for (int i = 0; i < want.Steps.Count; i++)
            {
                var (w, g) = (want.Steps[i].Top, got.Steps[i].Top);
                Assert.Equal(w.Count, g.Count);
                for (int j = 0; j < w.Count; j++)
                {
                    Assert.True(Math.Abs(w[j].Logprob - g[j].Logprob) <= tolerance,
                        $"prompt of {want.Prompt.Length}, step {i}, rank {j}: {g[j].Logprob} vs reference {w[j].Logprob}");
                    if (g.FirstOrDefault(e => e.Token == w[j].Token) is { } same)
                        Assert.True(Math.Abs(w[j].Logprob - same.Logprob) <= tolerance,
                            $"prompt of {want.Prompt.Length}, step {i}, token {w[j].Token}: {same.Logprob} vs reference {w[j].Logprob}");
                }
                if (w[0].Logprob - w[1].Logprob > 0.01)
                    Assert.True(w[0].Token == g[0].Token, $"prompt of {want.Prompt.Length}, step {i}: top-1 {g[0].Token}, reference {w[0].Token}");
            }
        }
    }

    [SkippableFact]
    public async Task Reproduces_the_llama_cpp_reference_for_tiny_SmolLM2()
    {
        var model = Fixtures.Require("tiny-smollm2", "hf");
        var reference = LlamaCppReference.Parse(File.ReadAllText(Fixtures.Require("tiny-smollm2", "ref-f32.json")));
        var (prompts, forced) = WriteInputs(reference);

        var run = await Score(model, prompts, forced, "--top", "5", "--dtype", "f32");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("", run.Stderr);
        AssertMatches(reference, LlamaCppReference.Parse(run.Stdout), tolerance: 1e-2);
    }

    /// <summary>The first case of tiny-smollm2's F32 reference, and its input files.</summary>
    (LlamaCppReference Reference, string Prompts, string Forced) FirstCaseOfTheReference()
    {
        var reference = LlamaCppReference.Parse(File.ReadAllText(Fixtures.Require("tiny-smollm2", "ref-f32.json")));
        reference = reference with { Cases = reference.Cases.Take(1).ToList() };
        var (prompts, forced) = WriteInputs(reference);
        return (reference, prompts, forced);
    }

    [SkippableFact]
    public async Task Runs_in_bf16_with_looser_agreement()
    {
        var model = Fixtures.Require("tiny-smollm2", "hf");
        var (reference, prompts, forced) = FirstCaseOfTheReference();

        var run = await Score(model, prompts, forced, "--dtype", "bf16", "--top", "3");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var actual = LlamaCppReference.Parse(run.Stdout);
        Assert.Equal(reference.Cases[0].Steps.Count, actual.Cases[0].Steps.Count);
        Assert.All(actual.Cases[0].Steps, s => Assert.Equal(3, s.Top.Count));
        for (int i = 0; i < actual.Cases[0].Steps.Count; i++)
            Assert.InRange(actual.Cases[0].Steps[i].Top[0].Logprob - reference.Cases[0].Steps[i].Top[0].Logprob, -0.2, 0.2);
    }

    [SkippableFact]
    public async Task The_default_dtype_is_the_one_inspect_reports_for_auto()
    {
        var model = Fixtures.Require("tiny-smollm2", "hf");
        var (reference, prompts, forced) = FirstCaseOfTheReference();
        var inspect = await CliRun.Of("inspect", "--model", model, "--json");
        var auto = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("auto_dtype").GetString()!;

        var byDefault = await Score(model, prompts, forced, "--top", "3");
        var named = await Score(model, prompts, forced, "--top", "3", "--dtype", auto);

        Assert.True(byDefault.ExitCode == 0, byDefault.Stderr);
        Assert.Equal("", byDefault.Stderr);   // the choice is shown only on a terminal
        Assert.Equal(named.Stdout, byDefault.Stdout);
        var steps = LlamaCppReference.Parse(byDefault.Stdout).Cases[0].Steps;
        for (int i = 0; i < steps.Count; i++)
            Assert.InRange(steps[i].Top[0].Logprob - reference.Cases[0].Steps[i].Top[0].Logprob, -0.2, 0.2);
    }

    string PromptsFile => Path.Combine(dir.Path, "prompts.txt");
    string ForcedFile => Path.Combine(dir.Path, "forced.txt");

    /// <summary>Scores tiny-smollm2 on the given file contents.</summary>
    async Task<CliRun> ScoreTexts(string prompts, string forced, params string[] more) =>
        await Score(Fixtures.Require("tiny-smollm2", "hf"), dir.Write("prompts.txt", prompts), dir.Write("forced.txt", forced), more);

    [SkippableFact]
    public async Task Different_line_counts_are_a_usage_error() =>
        (await ScoreTexts("1 2 3\n4 5\n", "6 7\n")).AssertError(2, "2 lines", PromptsFile, ForcedFile);

    [SkippableFact]
    public async Task A_non_integer_token_is_a_usage_error_naming_file_and_line() =>
        (await ScoreTexts("1 2 3\n4 five\n", "6\n7\n")).AssertError(2, $"{PromptsFile}:2", "'five'");

    [SkippableFact]
    public async Task An_empty_prompt_line_is_a_usage_error() =>
        (await ScoreTexts("1 2 3\n\n4\n", "6\n7\n8\n")).AssertError(2, $"{PromptsFile}:2", "empty prompt");

    [SkippableFact]
    public async Task A_token_outside_the_vocabulary_is_a_usage_error() =>
        (await ScoreTexts("1 2 3\n", "6 49152\n")).AssertError(2, $"{ForcedFile}:1", "49152", "outside the vocabulary");

    [SkippableTheory]
    [InlineData("0")]
    [InlineData("21")]
    public async Task Top_outside_1_to_20_is_a_usage_error(string top) =>
        (await ScoreTexts("1 2 3\n", "6\n", "--top", top)).AssertError(2, "--top", top);

    [SkippableFact]
    public async Task An_unknown_dtype_is_a_usage_error() =>
        (await ScoreTexts("1\n", "2\n", "--dtype", "f64")).AssertError(2, "f64");

    [SkippableFact]
    public async Task An_unknown_kv_dtype_is_a_usage_error_naming_the_flag() =>
        (await ScoreTexts("1\n", "2\n", "--kv-dtype", "q4_0")).AssertError(2, "--kv-dtype 'q4_0' is not one of f32, bf16, f16, q8_0");

    [SkippableTheory]
    [InlineData("bf16", 1.5e-2)]
    [InlineData("q8_0", 4.5e-2)]   // the bounds of KvDTypeAgreementTests
    public async Task A_narrower_kv_cache_scores_close_to_the_f32_one(string kvDType, double bound)
    {
        var wide = await ScoreTexts("1 2 3 4 5 6\n", "7 8 9\n", "--top", "3", "--dtype", "f32");
        var narrow = await ScoreTexts("1 2 3 4 5 6\n", "7 8 9\n", "--top", "3", "--dtype", "f32", "--kv-dtype", kvDType);
        Assert.True(narrow.ExitCode == 0, narrow.Stderr);
        var (want, got) = (LlamaCppReference.Parse(wide.Stdout).Cases[0], LlamaCppReference.Parse(narrow.Stdout).Cases[0]);
        Assert.Equal(want.Steps.Count, got.Steps.Count);
        for (int i = 0; i < want.Steps.Count; i++)
            Assert.InRange(got.Steps[i].Top[0].Logprob - want.Steps[i].Top[0].Logprob, -bound, bound);
    }

    [Fact]
    public async Task A_missing_model_is_a_usage_error()
    {
        var missing = Path.Combine(dir.Path, "absent");
        (await Score(missing, dir.Write("p.txt", "1\n"), dir.Write("f.txt", "2\n"))).AssertError(2, "model not found", missing);
    }

    [SkippableFact]
    public async Task A_missing_prompts_file_is_a_usage_error()
    {
        var missing = Path.Combine(dir.Path, "absent.txt");
        (await Score(Fixtures.Require("tiny-smollm2", "hf"), missing, dir.Write("f.txt", "2\n"))).AssertError(2, "file not found", missing);
    }

    [SkippableFact]
    public async Task Cuda_without_a_GPU_is_a_usage_error()
    {
        Skip.If(TorchSharp.torch.cuda.is_available(), "CUDA is available here");
        (await ScoreTexts("1\n", "2\n", "--device", "cuda")).AssertError(2, "CUDA is not available");
    }
}
