using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 score --model M --prompts P --forced F --top K</c>: teacher-forced log-probabilities, step by
/// step through the KV cache, printed as JSON shaped like the fixtures' <c>ref-*.json</c>.
/// </summary>
static class ScoreCommand
{
    public const int MaxTop = 20;

    public static Command Create()
    {
        var model = new ModelOptions(loads: true);
        var prompts = new Option<string>("--prompts") { Description = "File with one prompt per line: space-separated token ids", Required = true };
        var forced = new Option<string>("--forced") { Description = "File with the tokens to feed after each prompt, same line order", Required = true };
        var top = new Option<int>("--top") { Description = $"Entries of the distribution to list per step (1..{MaxTop})", DefaultValueFactory = _ => 5 };
        top.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > MaxTop) r.AddError($"--top must be between 1 and {MaxTop}, got {r.GetValueOrDefault<int>()}");
        });

        var command = new Command("score", "Score forced continuations of prompts (teacher forcing) and print top log-probabilities as JSON");
        model.AddTo(command);
        command.Add(prompts);
        command.Add(forced);
        command.Add(top);
        command.SetAction((parsed, ct) =>
        {
            var request = model.Read(parsed);
            var p = TokenLines.Read(parsed.GetRequiredValue(prompts));
            var f = TokenLines.Read(parsed.GetRequiredValue(forced));
            if (p.Lines.Count != f.Lines.Count)
                throw new CliUsageException($"{p.Path} has {p.Lines.Count} lines but {f.Path} has {f.Lines.Count}; they must pair up line by line");
            p.RequireNonEmpty("prompt");

            using var source = request.Open();
            p.RequireInVocabulary(source.Config.VocabSize);
            f.RequireInVocabulary(source.Config.VocabSize);
            using var lm = ModelLoader.Load(source, request, parsed.InvocationConfiguration.Error);

            var cases = new List<ScoredCase>(p.Lines.Count);
            for (int i = 0; i < p.Lines.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                IReadOnlyList<ScoredStep> steps;
                try { steps = Scorer.Stepwise(lm, p.Lines[i], f.Lines[i], parsed.GetValue(top)); }
                catch (Exception e) when (e is ArgumentOutOfRangeException or ContextOverflowException) { throw new CliUsageException($"case {i + 1}: {e.Message}", e); }
                cases.Add(new ScoredCase(p.Lines[i], steps.Select(s => new Step(s.Token, s.Top.Select(t => new Entry(t.TokenId, t.LogProb)).ToList())).ToList()));
            }
            parsed.InvocationConfiguration.Output.WriteLine(JsonSerializer.Serialize(new Scores(cases)));
            return Task.FromResult(Cli.Ok);
        });
        return command;
    }

    sealed record Scores([property: JsonPropertyName("cases")] List<ScoredCase> Cases);

    sealed record ScoredCase(
        [property: JsonPropertyName("prompt")] int[] Prompt,
        [property: JsonPropertyName("steps")] List<Step> Steps);

    sealed record Step(
        [property: JsonPropertyName("token")] int Token,
        [property: JsonPropertyName("top")] List<Entry> Top);

    sealed record Entry(
        [property: JsonPropertyName("token")] int Token,
        [property: JsonPropertyName("logprob")] double Logprob);
}
