using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.V1;
using SmolLM3.Silo.Telemetry;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>Traces and metrics of real turns through the embedded cluster, read with in-process listeners and from /metrics.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TelemetryTests(ClusterFixture cluster)
{
    static ChatRequest Turn(string session, string text) => ChatRequests.Greedy(session, text, 6);

    [SkippableFact]
    public async Task A_turn_is_one_trace_from_the_gateway_call_to_the_engine_forward_passes()
    {
        await cluster.StartAsync();
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith("SmolLM3.") || s.Name.StartsWith("Microsoft.AspNetCore") || s.Name.StartsWith("Microsoft.Orleans"),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        var result = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Trace me."), Auth(KeyA)));

        var turn = Assert.Single(spans, s => s.Source.Name == SiloTelemetry.SourceName && s.OperationName == "chat turn"
            && (string?)s.GetTagItem("smollm3.session") == $"tenant-a/{session}");
        var trace = spans.Where(s => s.TraceId == turn.TraceId).ToList();
        // the gateway's server span of the StreamChat call starts the trace
        var server = Assert.Single(trace, s => s.OperationName == "Microsoft.AspNetCore.Hosting.HttpRequestIn");
        Assert.Equal((ActivityKind.Server, default), (server.Kind, server.ParentSpanId));
        Assert.Equal(result.Usage.CompletionTokens, turn.GetTagItem("smollm3.completion_tokens"));
        // queue → prefill → decode, children of the turn, back to back inside it
        var phases = trace.Where(s => s.ParentSpanId == turn.SpanId).OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(["queue", "prefill", "decode"], phases.Select(p => p.OperationName));
        Assert.All(phases, p => Assert.InRange(p.StartTimeUtc, turn.StartTimeUtc, turn.StartTimeUtc + turn.Duration));
        for (int i = 1; i < phases.Count; i++) Assert.Equal(phases[i - 1].StartTimeUtc + phases[i - 1].Duration, phases[i].StartTimeUtc);
        // the turn sits under the gateway's server span (through Orleans' grain-call spans)
        Assert.True(Ancestors(turn, trace).Contains(server), "the turn span should descend from the gateway's request span");
        // the batch steps that served it link to the trace, and each holds the engine's forward span
        var steps = spans.Where(s => s.OperationName == "batch step" && s.Links.Any(l => l.Context.TraceId == server.TraceId)).ToList();
        Assert.Equal(result.Usage.CompletionTokens, steps.Count);   // one per token: the prompt's step samples the first, and none feeds the last
        Assert.All(steps, step => Assert.Contains(spans, f => f.OperationName == "forward" && f.ParentSpanId == step.SpanId));
    }

    static IEnumerable<Activity> Ancestors(Activity span, List<Activity> trace)
    {
        for (var parent = trace.FirstOrDefault(s => s.SpanId == span.ParentSpanId); parent is not null; parent = trace.FirstOrDefault(s => s.SpanId == parent.ParentSpanId))
            yield return parent;
    }

    [SkippableFact]
    public async Task Metrics_count_the_turns_tokens_cache_hits_and_latencies()
    {
        await cluster.StartAsync();
        var factory = cluster.Services.GetRequiredService<IMeterFactory>();
        var sums = new ConcurrentDictionary<string, double>();
        var counts = new ConcurrentDictionary<string, int>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SiloTelemetry.MeterName && instrument.Meter.Scope == factory) l.EnableMeasurementEvents(instrument);
            },
        };
        void Record(Instrument i, double value)
        {
            sums.AddOrUpdate(i.Name, value, (_, v) => v + value);
            counts.AddOrUpdate(i.Name, 1, (_, c) => c + 1);
        }
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => Record(i, v));
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => Record(i, v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => Record(i, v));
        listener.Start();

        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyB))).SessionId;
        var first = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Count me."), Auth(KeyB)));
        var second = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Again."), Auth(KeyB)));
        listener.RecordObservableInstruments();

        Assert.Equal(first.Started.PromptTokens + second.Started.PromptTokens, sums["smollm3.tokens.prompt"]);
        Assert.Equal(second.Started.CachedTokens, sums["smollm3.tokens.cached"]);   // the first turn had nothing cached
        Assert.Equal(first.Usage.CompletionTokens + second.Usage.CompletionTokens, sums["smollm3.tokens.generated"]);
        Assert.Equal(2, counts["smollm3.time_to_first_token"]);
        Assert.Equal(first.Usage.CompletionTokens + second.Usage.CompletionTokens - 2, counts["smollm3.inter_token_latency"]);
        Assert.True(sums["smollm3.time_to_first_token"] > 0);
        Assert.True(counts["smollm3.batch.size"] >= first.Usage.CompletionTokens + second.Usage.CompletionTokens);
        Assert.Equal(0, sums["smollm3.queue.depth"]);   // observed after both turns ended
        var kv = cluster.Scheduler.KvStats;
        Assert.Equal(kv.TotalBlocks, sums["smollm3.kv.blocks.used"] + sums["smollm3.kv.blocks.free"]);
        Assert.True(sums["smollm3.kv.blocks.idle"] > 0, "the session's cache stays in the pool, idle, between turns");
    }

    [SkippableFact]
    public async Task The_gateway_serves_the_silo_metrics_to_prometheus()
    {
        await cluster.StartAsync();
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Scrape me."), Auth(KeyA)));

        var text = await cluster.ScrapeAsync();
        foreach (var series in new[] { "smollm3_time_to_first_token_seconds_bucket", "smollm3_tokens_generated", "smollm3_batch_size", "smollm3_queue_depth" })
            Assert.Contains(series, text);
        // and the runtime's garbage collections, by generation, with the bytes allocated so far
        Assert.Matches(@"dotnet_gc_collections_total\{[^}]*gc_heap_generation=""gen0""[^}]*\} \d+", text);
        Assert.Matches(@"dotnet_gc_heap_total_allocated_bytes_total\{[^}]*\} [1-9]\d*", text);
    }
}
