using System.Diagnostics;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Benchmarking;

/// <summary>
/// One benchmark's figures: prefill and decode rates (best of the repeats), peak RSS, and the bytes of
/// weights a decode step reads, so decode can be set against the memory bandwidth measured in the same run.
/// </summary>
public sealed record BenchmarkResult(string Shape, string DType, int Threads, int PromptTokens, int DecodeTokens,
    double PrefillTokensPerSecond, double DecodeTokensPerSecond, long PeakRssBytes, long WeightBytes)
{
    /// <summary>Sequences decoded together in the batched run (1: none was made).</summary>
    public int Batch { get; init; } = 1;

    /// <summary>Tokens per second summed over <see cref="Batch"/> sequences decoding in one forward pass per step.</summary>
    public double BatchDecodeTokensPerSecond { get; init; }

    /// <summary>How the KV cache held keys and values (<see cref="KvFormat.Name"/>).</summary>
    public string KvDType { get; init; } = KvFormat.BF16.Name;

    /// <summary>Resident memory once the weights were loaded (and a checkpoint's file closed), before any cache; <see cref="PeakRssBytes"/> is the peak after it.</summary>
    public long LoadedRssBytes { get; init; }

    /// <summary>Tokens cached before the timed decode began, when the decode was measured at a set depth (null: right after the prompt).</summary>
    public int? Depth { get; init; }

    /// <summary>The decode rate if every step did nothing but read the weights at <paramref name="bytesPerSecond"/>.</summary>
    public double DecodeBound(double bytesPerSecond) => bytesPerSecond / WeightBytes;
}

/// <summary>
/// Prefill of a random prompt, then greedy decode of N tokens through the KV cache, on a model with random weights
/// and a real architecture, or on a checkpoint; optionally decode at a given depth (N tokens already cached), and the same decode for a
/// batch of sequences at once (as the cluster's scheduler runs them). Prompts are fed in chunks of
/// <see cref="Prefill.DefaultChunk"/> tokens, as the cluster feeds them, so attention never holds a prompt × prompt
/// matrix. One short untimed warm-up (one chunk, a few decode steps) lets the BLAS kernels settle.
/// </summary>
public static class EngineBenchmark
{
    const int WarmUpDecodeSteps = 4;

    /// <param name="name">What is measured: a shape's name or the checkpoint's file name.</param>
    /// <param name="label">The weight type reported (e.g. the dtype, or Q8_0 for packed matrices).</param>
    /// <param name="source">The weights (random ones of a shape, or a checkpoint); disposed once they are loaded, so a checkpoint's
    /// file mapping is not counted in the memory measured after it.</param>
    /// <param name="kvBlockTokens">Cache in a shared pool of blocks this long, as the cluster does (default: a standalone cache).</param>
    /// <param name="batch">Also decode this many sequences together (each after the same tokens), in a pool of <see cref="KvBlockPool.DefaultBlockTokens"/>-position blocks.</param>
    /// <param name="depth">Decode with this many random tokens already cached (prefilled once, untimed) instead of after the prompt.</param>
    /// <param name="kvFormat">How the KV cache holds keys and values (default: <see cref="KvFormat.DefaultFor"/>).</param>
    /// <exception cref="ContextOverflowException">The prompt or the depth, with the decoded tokens, does not fit the shape's context.</exception>
    public static BenchmarkResult Run(string name, string label, IWeightSource source, torch.ScalarType dtype, torch.Device device,
        int promptTokens = 512, int decodeTokens = 128, int repeats = 3, IProgress<string>? progress = null, int? kvBlockTokens = null,
        int batch = 1, int? depth = null, KvFormat? kvFormat = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (depth is { } atLeastOne) ArgumentOutOfRangeException.ThrowIfLessThan(atLeastOne, 1, nameof(depth));
        var shape = source.Config;
        try { RequireContext(shape, promptTokens, decodeTokens, depth); }
        catch
        {
            source.Dispose();
            throw;
        }
        progress?.Report($"{name} {label}: loading weights");
        CausalLM loaded;
        using (source) loaded = CausalLM.Load(source, dtype, device, kvFormat: kvFormat);
        using var model = loaded;
        // From here on the peak is what serving takes: the loaded weights, the caches, a pass's activations.
        long loadedRss = PeakMemory.CurrentBytes();
        PeakMemory.Reset();
        var rng = new Random(1);
        var prompt = RandomTokens(rng, shape, promptTokens);
        var deep = depth is { } d ? RandomTokens(rng, shape, d) : null;

        int promptLength = promptTokens + decodeTokens, depthLength = (depth ?? 0) + decodeTokens;
        int poolTokens = promptLength + (deep is null ? 0 : depthLength) + 2 * (kvBlockTokens ?? 0);
        using var pool = kvBlockTokens is { } b ? model.NewBlockPool(KvBlockPool.BytesFor(model.Config, model.KvFormat, poolTokens), b) : null;
        using var cache = pool?.NewCache(promptLength) ?? model.NewCache(promptLength);
        using var depthCache = deep is null ? null : pool?.NewCache(depthLength) ?? model.NewCache(depthLength);
        if (deep is not null)
        {
            progress?.Report($"{name} {label}: filling the cache to depth {deep.Length}");
            Prefill.Run(model, depthCache!, deep).Dispose();
        }

        progress?.Report($"{name} {label}: warm-up");
        Measure(model, cache, prompt[..Math.Min(prompt.Length, Prefill.DefaultChunk)], null, 0, Math.Min(decodeTokens, WarmUpDecodeSteps));
        double bestPrefill = 0, bestDecode = 0, bestBatch = 0;
        for (int run = 1; run <= repeats; run++)
        {
            progress?.Report($"{name} {label}: run {run}/{repeats}");
            var (prefill, decode) = Measure(model, cache, prompt, depthCache, depth ?? 0, decodeTokens);
            double batched = batch > 1 ? Batched(model, deep ?? prompt, decodeTokens, batch) : 0;
            bestPrefill = Math.Max(bestPrefill, prefill);
            bestDecode = Math.Max(bestDecode, decode);
            bestBatch = Math.Max(bestBatch, batched);
        }
        return new BenchmarkResult(name, label, torch.get_num_threads(), promptTokens, decodeTokens,
            bestPrefill, bestDecode, PeakMemory.Bytes(), model.WeightBytes) { Batch = batch, BatchDecodeTokensPerSecond = bestBatch, Depth = depth, KvDType = model.KvFormat.Name, LoadedRssBytes = loadedRss };
    }

    /// <summary>Refuses, before any weights are built, a prompt or depth that with the decoded tokens does not fit the shape's context.</summary>
    public static void RequireContext(ModelConfig shape, int promptTokens, int decodeTokens, int? depth)
    {
        int needed = Math.Max(promptTokens, depth ?? 0) + decodeTokens;
        if (needed > shape.ContextLength)
            throw new ContextOverflowException(needed, shape.ContextLength);
    }

    static int[] RandomTokens(Random rng, ModelConfig shape, int count) => Enumerable.Range(0, count).Select(_ => rng.Next(shape.VocabSize)).ToArray();

    /// <summary>Aggregate decode rate of <paramref name="batch"/> sequences stepping together after the same <paramref name="context"/> (prefilled untimed).</summary>
    static double Batched(CausalLM model, int[] context, int decodeTokens, int batch)
    {
        int length = context.Length + decodeTokens;
        using var pool = model.NewBlockPool(KvBlockPool.BytesFor(model.Config, model.KvFormat, batch * (length + KvBlockPool.DefaultBlockTokens)));
        var caches = Enumerable.Range(0, batch).Select(_ => pool.NewCache(length)).ToArray();
        try
        {
            var tokens = new int[batch];
            for (int i = 0; i < batch; i++)
                using (var logits = Prefill.Run(model, caches[i], context))
                    tokens[i] = (int)logits.argmax(-1).item<long>();
            var sw = Stopwatch.StartNew();
            for (int step = 0; step < decodeTokens; step++)
            {
                using var logits = model.Forward(caches.Select((c, i) => new SequenceChunk(c, [tokens[i]])).ToList());
                using var next = logits.argmax(-1);
                var ids = HostCopy.ToArray<long>(next);
                for (int i = 0; i < batch; i++) tokens[i] = (int)ids[i];
            }
            return batch * decodeTokens / sw.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var c in caches) c.Dispose();
        }
    }

    /// <summary>
    /// Timed prefill of <paramref name="prompt"/> into <paramref name="cache"/> (emptied first), then timed decode: after the
    /// prompt, or in <paramref name="depthCache"/> cut back to <paramref name="depth"/> tokens when one is given.
    /// </summary>
    static (double Prefill, double Decode) Measure(CausalLM model, KvCache cache, int[] prompt, KvCache? depthCache, int depth, int decodeTokens)
    {
        cache.Truncate(0);
        var sw = Stopwatch.StartNew();
        int token;
        using (var logits = Prefill.Run(model, cache, prompt))
            token = (int)logits.argmax(-1).item<long>();
        double prefill = prompt.Length / sw.Elapsed.TotalSeconds;

        var decodeCache = cache;
        if (depthCache is not null)
        {
            depthCache.Truncate(depth);
            decodeCache = depthCache;
        }
        sw.Restart();
        for (int i = 0; i < decodeTokens; i++)
        {
            using var logits = model.Forward([new SequenceChunk(decodeCache, [token])]);
            token = (int)logits.argmax(-1).item<long>();
        }
        return (prefill, decodeTokens / sw.Elapsed.TotalSeconds);
    }
}
