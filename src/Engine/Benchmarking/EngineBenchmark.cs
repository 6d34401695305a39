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

    /// <summary>The decode rate if every step did nothing but read the weights at <paramref name="bytesPerSecond"/>.</summary>
    public double DecodeBound(double bytesPerSecond) => bytesPerSecond / WeightBytes;
}

/// <summary>
/// Prefill of a random prompt, then greedy decode of N tokens through the KV cache, on a model with
/// random weights and a real architecture; optionally the same decode for a batch of sequences at once
/// (as the cluster's scheduler runs them). One untimed warm-up run lets the BLAS kernels settle.
/// </summary>
public static class EngineBenchmark
{
    /// <param name="packQ8_0">Keep the layers' matrices packed in Q8_0 (computing in <paramref name="dtype"/>).</param>
    /// <param name="kvBlockTokens">Cache in a shared pool of blocks this long, as the cluster does (default: a standalone cache).</param>
    /// <param name="batch">Also decode this many sequences together (each after the same prompt), in a pool of <see cref="KvBlockPool.DefaultBlockTokens"/>-position blocks.</param>
    public static BenchmarkResult Run(string shapeName, ModelConfig shape, torch.ScalarType dtype, torch.Device device,
        int promptTokens = 512, int decodeTokens = 128, int repeats = 3, IProgress<string>? progress = null, bool packQ8_0 = false, int? kvBlockTokens = null,
        int batch = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        PeakMemory.Reset();
        using var source = new RandomWeightSource(shape, packQ8_0: packQ8_0);
        var label = packQ8_0 ? "Q8_0" : dtype.ToString();
        progress?.Report($"{shapeName} {label}: building weights");
        using var model = CausalLM.Load(source, dtype, device);
        var rng = new Random(1);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => rng.Next(shape.VocabSize)).ToArray();

        double bestPrefill = 0, bestDecode = 0, bestBatch = 0;
        for (int run = 0; run <= repeats; run++)
        {
            progress?.Report(run == 0 ? $"{shapeName} {label}: warm-up" : $"{shapeName} {label}: run {run}/{repeats}");
            var (prefill, decode) = Once(model, prompt, decodeTokens, kvBlockTokens);
            double batched = batch > 1 ? Batched(model, prompt, decodeTokens, batch) : 0;
            if (run == 0) continue;
            bestPrefill = Math.Max(bestPrefill, prefill);
            bestDecode = Math.Max(bestDecode, decode);
            bestBatch = Math.Max(bestBatch, batched);
        }
        return new BenchmarkResult(shapeName, label, torch.get_num_threads(), promptTokens, decodeTokens,
            bestPrefill, bestDecode, PeakMemory.Bytes(), model.WeightBytes) { Batch = batch, BatchDecodeTokensPerSecond = bestBatch };
    }

    /// <summary>Aggregate decode rate of <paramref name="batch"/> sequences stepping together after the same prompt (prefilled untimed).</summary>
    static double Batched(CausalLM model, int[] prompt, int decodeTokens, int batch)
    {
        int length = prompt.Length + decodeTokens + 1;
        using var pool = model.NewBlockPool(KvBlockPool.BytesFor(model.Config, model.DType, batch * (length + KvBlockPool.DefaultBlockTokens)));
        var caches = Enumerable.Range(0, batch).Select(_ => pool.NewCache(length)).ToArray();
        try
        {
            var tokens = new int[batch];
            for (int i = 0; i < batch; i++)
                using (var logits = Prefill.Run(model, caches[i], prompt, chunkSize: prompt.Length))
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

    static (double Prefill, double Decode) Once(CausalLM model, int[] prompt, int decodeTokens, int? kvBlockTokens)
    {
        int length = prompt.Length + decodeTokens + 1;
        using var pool = kvBlockTokens is { } b ? model.NewBlockPool(KvBlockPool.BytesFor(model.Config, model.DType, length + b), b) : null;
        using var cache = pool?.NewCache(length) ?? model.NewCache(length);
        var sw = Stopwatch.StartNew();
        int token;
        using (var logits = Prefill.Run(model, cache, prompt, chunkSize: prompt.Length))
            token = (int)logits.argmax(-1).item<long>();
        double prefill = prompt.Length / sw.Elapsed.TotalSeconds;

        sw.Restart();
        for (int i = 0; i < decodeTokens; i++)
        {
            using var logits = model.Forward([new SequenceChunk(cache, [token])]);
            token = (int)logits.argmax(-1).item<long>();
        }
        return (prefill, decodeTokens / sw.Elapsed.TotalSeconds);
    }
}
