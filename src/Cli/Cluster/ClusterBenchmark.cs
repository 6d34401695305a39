using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Sampling;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Cli.Cluster;

/// <summary>One path's figures for N concurrent streams: aggregate generated tokens per second and time to first token.</summary>
public sealed record StreamsRun(string Path, int Streams, long Tokens, double Seconds, double TtftP50, double TtftP99)
{
    public double TokensPerSecond => Tokens / Seconds;
}

/// <summary>
/// The cost of the serving layers: N greedy replies generated (1) by the silo's batch scheduler driven
/// in-process — the engine's batched forward with nothing around it — and (2) as N gRPC StreamChat calls
/// through gateway, auth, Orleans and conversation grains into the same scheduler. Both paths produce the
/// same tokens (same prompts, greedy, same stop tokens) from caches in the silo's pool that reuse the same shared
/// prompt starts, so the ratio of their rates is the overhead.
/// </summary>
public static class ClusterBenchmark
{
    public static string Prompt(int i) => $"Tell me a short story about the number {i}.";

    /// <summary>N replies straight through the scheduler.</summary>
    public static async Task<StreamsRun> DirectAsync(WebApplication app, int streams, int maxTokens, CancellationToken ct)
    {
        var host = app.Services.GetRequiredService<ModelHost>();
        var scheduler = app.Services.GetRequiredService<BatchScheduler>();
        var prompts = Enumerable.Range(0, streams)
            .Select(i => host.Tokenizer.Encode(host.Renderer.Render([new TurnMessage("user", Prompt(i))], thinking: false), parseSpecial: true).ToArray())
            .ToList();
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(prompts.Select(async prompt =>
        {
            // from the silo's pool, taking the blocks a prompt start left there as a turn does: else the direct path
            // prefilled every prompt that the cluster path found cached, and compared unequal work
            using var cache = host.KvPool.NewCache();
            int keep = cache.AttachPrefix(prompt.AsSpan(0, prompt.Length - 1));
            var request = new GenerationRequest
            {
                Tenant = "bench", Cache = cache, Feed = prompt[keep..], History = prompt, Cancellation = ct,
                Sampling = new SamplingOptions { Temperature = 0, MaxTokens = maxTokens, StopTokenIds = host.StopTokenIds }.Validate(),
            };
            var start = clock.Elapsed;
            scheduler.Submit(request);
            TimeSpan? first = null;
            int tokens = 0;
            await foreach (var _ in request.Tokens.ReadAllAsync(ct))
            {
                first ??= clock.Elapsed - start;
                tokens++;
            }
            return (Tokens: tokens, Ttft: first ?? clock.Elapsed - start);
        }));
        return Summarize("direct", streams, results, clock.Elapsed);
    }

    /// <summary>N replies as StreamChat calls over gRPC, each in a fresh session (created before the clock starts).</summary>
    public static async Task<StreamsRun> ThroughGatewayAsync(GrpcChannel channel, string apiKey, int streams, int maxTokens, CancellationToken ct)
    {
        var client = new Chat.ChatClient(channel);
        var auth = new Metadata { { "authorization", $"Bearer {apiKey}" } };
        var sessions = await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
            (await client.CreateSessionAsync(new CreateSessionRequest(), auth, cancellationToken: ct)).SessionId));
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(sessions.Select(async (session, i) =>
        {
            var request = new ChatRequest
            {
                SessionId = session,
                Messages = { new SmolLM3.Contracts.V1.ChatMessage { Role = "user", Content = Prompt(i) } },
                Sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens },
            };
            var start = clock.Elapsed;
            TimeSpan? first = null;
            int tokens = 0;
            using var call = client.StreamChat(request, auth, cancellationToken: ct);
            await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
            {
                if (e.EventCase == ChatEvent.EventOneofCase.Delta) first ??= clock.Elapsed - start;
                if (e.EventCase == ChatEvent.EventOneofCase.Usage) tokens = e.Usage.CompletionTokens;
                if (e.EventCase == ChatEvent.EventOneofCase.Finished && e.Finished.Reason == FinishReason.Error)
                    throw new InvalidOperationException($"a benchmark stream failed: {e.Finished.Message}");
            }
            return (Tokens: tokens, Ttft: first ?? clock.Elapsed - start);
        }));
        await Task.WhenAll(sessions.Select(async s => await client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = s }, auth, cancellationToken: ct)));
        return Summarize("cluster", streams, results, clock.Elapsed);
    }

    static StreamsRun Summarize(string path, int streams, (int Tokens, TimeSpan Ttft)[] results, TimeSpan wall)
    {
        var ttft = results.Select(r => r.Ttft.TotalSeconds).Order().ToArray();
        return new StreamsRun(path, streams, results.Sum(r => (long)r.Tokens), wall.TotalSeconds, Percentile(ttft, 0.50), Percentile(ttft, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
