using System.Collections.Concurrent;
using System.Diagnostics;
using SmolLM3.Engine.Sampling;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A long prompt is prefilled in chunks under the step's token budget, so a reply that is already running keeps
/// getting a token every step meanwhile instead of waiting for the whole prompt (the silo's defaults: 512 tokens a
/// step, 256 per prefill piece).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChunkedPrefillTests(ClusterFixture cluster)
{
    const int LongPrompt = 3000;

    [SkippableFact]
    public async Task A_running_reply_keeps_decoding_while_a_long_prompt_prefills()
    {
        await cluster.StartAsync();
        var clock = Stopwatch.StartNew();
        var vocab = cluster.Model.Model.Config.VocabSize;
        // No stop tokens: the running reply goes on for all its max_tokens, whatever the random model says.
        GenerationRequest Request(int[] prompt, int maxTokens, CancellationToken cancel = default) => new()
        {
            Tenant = "prefill-test", Cache = cluster.Model.KvPool.NewCache(), Feed = prompt, History = prompt,
            Sampling = new SamplingOptions { Temperature = 0, MaxTokens = maxTokens }.Validate(), Cancellation = cancel,
        };
        async Task<ConcurrentQueue<TimeSpan>> Read(GenerationRequest r, ConcurrentQueue<TimeSpan> times)
        {
            try
            {
                await foreach (var _ in r.Tokens.ReadAllAsync()) times.Enqueue(clock.Elapsed);
            }
            finally
            {
                r.Cache.Dispose();
            }
            return times;
        }

        // far more tokens than the prefill's steps, and cancelled once the long prompt answers: a stall of this test's
        // thread (the thread pool starved under load) cannot let the reply end before the long prompt goes in
        using var stopRunning = new CancellationTokenSource();
        var running = Request([1, 2, 3, 4], maxTokens: 4000, stopRunning.Token);
        cluster.Scheduler.Submit(running);
        var seen = new ConcurrentQueue<TimeSpan>();
        var runningTokens = Read(running, seen);
        while (seen.IsEmpty && !runningTokens.IsCompleted) await Task.Delay(1);

        var rng = new Random(5);
        var submitted = clock.Elapsed;
        var longOne = Request([.. Enumerable.Range(0, LongPrompt).Select(_ => rng.Next(vocab))], maxTokens: 1);
        cluster.Scheduler.Submit(longOne);
        var first = (await Read(longOne, new())).Single();
        stopRunning.Cancel();
        var during = (await runningTokens).Count(t => t > submitted && t < first);

        // 3000 tokens in pieces of at most 256 take 12 steps; the running reply gets a token in each.
        // Prefilled in one step it would get one, maybe two.
        Assert.True(during >= 6, $"the running reply got {during} tokens while the {LongPrompt}-token prompt prefilled");
    }
}
