using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Generation;

/// <summary>A teacher-forced step: the distribution before <see cref="Token"/> was fed, and its top entries.</summary>
public sealed record ScoredStep(int Token, double TokenLogprob, IReadOnlyList<TokenLogProb> Top);

/// <summary>Scores a given continuation of a prompt (teacher forcing): the log-probabilities the model assigns at each step.</summary>
public static class Scorer
{
    /// <summary>Step by step through the KV cache: prompt (in chunks), then one forced token at a time.</summary>
    public static IReadOnlyList<ScoredStep> Stepwise(ILanguageModel model, int[] prompt, int[] forced, int top, int prefillChunk = Prefill.DefaultChunk)
    {
        using var cache = model.NewCache();
        return Stepwise(model, cache, prompt, forced, top, prefillChunk);
    }

    /// <summary>
    /// The same through a given (empty) <paramref name="cache"/>, e.g. one of a shared block pool. Refuses, before any
    /// work, a prompt and forced tokens the context cannot hold (every forced token but the last is fed).
    /// </summary>
    public static IReadOnlyList<ScoredStep> Stepwise(ILanguageModel model, KvCache cache, int[] prompt, int[] forced, int top, int prefillChunk = Prefill.DefaultChunk)
    {
        cache.RequireRoom(prompt.Length + Math.Max(forced.Length - 1, 0));
        var steps = new List<ScoredStep>(forced.Length);
        using var first = Prefill.Run(model, cache, prompt, prefillChunk);
        var logits = first;
        for (int i = 0; i < forced.Length; i++)
        {
            steps.Add(Describe(logits[0], forced[i], top));
            if (i + 1 < forced.Length)
            {
                var next = model.Forward([new SequenceChunk(cache, [forced[i]])]);
                if (!ReferenceEquals(logits, first)) logits.Dispose();
                logits = next;
            }
        }
        if (!ReferenceEquals(logits, first)) logits.Dispose();
        return steps;
    }

    /// <summary>One forward pass over prompt + forced tokens (all but the last), reading logits at every forced position.</summary>
    public static IReadOnlyList<ScoredStep> OnePass(ILanguageModel model, int[] prompt, int[] forced, int top)
    {
        if (forced.Length == 0) return [];
        using var cache = model.NewCache();
        int[] all = [.. prompt, .. forced[..^1]];
        cache.RequireRoom(all.Length);
        using var logits = model.Forward([new SequenceChunk(cache, all, forced.Length)]);
        return forced.Select((t, i) => Describe(logits[i], t, top)).ToList();
    }

    static ScoredStep Describe(Tensor logitsRow, int token, int top)
    {
        using var scope = NewDisposeScope();
        var logp = logitsRow.to(ScalarType.Float64).log_softmax(-1);
        var (values, indices) = logp.topk(top);
        var v = HostCopy.ToArray<double>(values);
        var ix = HostCopy.ToArray<long>(indices);
        var entries = v.Select((x, j) => new TokenLogProb((int)ix[j], (float)x)).ToList();
        return new ScoredStep(token, logp[token].item<double>(), entries);
    }
}
