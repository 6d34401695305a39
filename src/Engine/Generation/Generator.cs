using SmolLM3.Engine.Constraints;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Generation;

/// <summary>Autoregressive generation for one sequence: chunked prefill, then sample → feed until a stop token, MaxTokens or the context's end.</summary>
public static class Generator
{
    /// <summary>
    /// Feeds <paramref name="prompt"/> into <paramref name="cache"/> (which may already hold earlier
    /// turns) and yields tokens as they are sampled. Every yielded token except the last is fed back,
    /// so afterwards the cache holds the prompt and all generated tokens but the final one. With a
    /// <paramref name="constraint"/>, each step samples only among the tokens its grammar allows (log-probabilities
    /// are then those of that masked distribution), and a stop token comes exactly when the value is complete.
    /// </summary>
    public static IEnumerable<GeneratedToken> Generate(
        ILanguageModel model, KvCache cache, int[] prompt, SamplingOptions options,
        int prefillChunk = Prefill.DefaultChunk, CancellationToken cancellation = default, TokenConstraint? constraint = null)
    {
        options.Validate();
        var sampler = new Sampler(options);
        var matcher = constraint?.Start();
        var history = new List<int>(prompt);
        var row = new float[model.Config.VocabSize];
        var logprobs = options.TopLogprobs > 0 ? new float[row.Length] : null;

        cancellation.ThrowIfCancellationRequested();
        CopyRow(Prefill.Run(model, cache, prompt, prefillChunk), row);
        // every token but the last is fed back, so the reply ends (length) where the context does
        int budget = Math.Min(options.MaxTokens, cache.MaxLength - cache.Length + 1);
        for (int produced = 1; ; produced++)
        {
            matcher?.Apply(row);
            int token = sampler.Sample(row, history);
            matcher?.Accept(token);
            IReadOnlyList<TokenLogProb> top = [];
            if (logprobs is not null)
            {
                LogProbs.LogSoftmax(row, logprobs);
                top = LogProbs.TopN(logprobs, options.TopLogprobs);
            }
            double lp = logprobs is not null ? logprobs[token] : LogProbs.Of(row, token);
            var finish = FinishRule.After(token, produced, options.StopTokenIds, budget);
            yield return new GeneratedToken(token, lp, top, finish);
            if (finish is not null) yield break;

            cancellation.ThrowIfCancellationRequested();
            history.Add(token);
            CopyRow(model.Forward([new SequenceChunk(cache, [token])]), row);
        }
    }

    /// <summary>Copies a (1, vocab) float32 logits tensor to <paramref name="row"/> and disposes it.</summary>
    static void CopyRow(Tensor logits, float[] row)
    {
        using (logits) HostCopy.CopyTo(logits, row);
    }
}
