using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Hosting;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;
using TorchSharp;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// 32 concurrent streams from 4 tenants (20, 6, 4 and 2 streams) on a silo that runs at most 4 sequences
/// at once: everything completes, forward passes really batch several sequences, and the big tenant,
/// whose 20 requests were queued first, does not make the small ones wait behind all of them.
/// The test holds every KV block until all 32 requests wait in the scheduler's queues, so what it
/// measures is the admission order, not how fast the machine delivered the later requests.
/// </summary>
public sealed class FairnessTests : IAsyncLifetime
{
    static readonly (string Tenant, int Streams)[] Tenants = [("big", 20), ("mid", 6), ("small", 4), ("tiny", 2)];
    const int MaxActive = 4, MaxTokens = 12, PoolTokens = 8192;

    WebApplication? _app;

    [SkippableFact]
    public async Task Thirty_two_streams_from_four_tenants_complete_batched_and_fairly()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        _app = EmbeddedCluster.Build(new EmbeddedClusterOptions(model)
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = 0, DType = "f32", KvDType = "f32",
            ApiKeys = Tenants.ToDictionary(t => "key-" + t.Tenant, t => t.Tenant),
            KvCacheBytes = KvBlockPool.BytesFor(HfConfigReader.Read(Path.Combine(model, "config.json")), KvFormat.F32, PoolTokens),
            ConfigureSilo = o => o.MaxActiveSequences = MaxActive,
        });
        await _app.StartAsync();
        var scheduler = _app.Services.GetRequiredService<BatchScheduler>();
        var pool = _app.Services.GetRequiredService<ModelHost>().KvPool;
        using var channel = GrpcChannel.ForAddress(_app.Address());
        var client = new Chat.ChatClient(channel);
        var before = scheduler.Stats;

        // Sessions first, so the clock only sees generation.
        var streams = new List<(string Tenant, string Session)>();
        foreach (var (tenant, count) in Tenants)
            for (int i = 0; i < count; i++)
                streams.Add((tenant, (await client.CreateSessionAsync(new CreateSessionRequest(), Auth(tenant))).SessionId));

        var clock = Stopwatch.StartNew();
        async Task<(string Tenant, TimeSpan FirstToken, TurnResult Result)> Run(string tenant, string session, int i)
        {
            var request = new ChatRequest
            {
                SessionId = session,
                Messages = { new ChatMessage { Role = "user", Content = $"Stream {i} of {tenant}: count to ten." } },
                Sampling = new SamplingParameters { Temperature = 0, MaxTokens = MaxTokens },
            };
            using var call = client.StreamChat(request, Auth(tenant));
            TimeSpan? first = null;
            var events = new List<ChatEvent>();
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                if (e.EventCase == ChatEvent.EventOneofCase.Delta) first ??= clock.Elapsed;
                events.Add(e);
            }
            var result = TurnResult.From(events);
            return (tenant, first ?? clock.Elapsed, result);
        }

        // No request can be admitted while the test holds every block of the pool.
        var gate = pool.NewCache(maxLength: pool.TotalTokens);
        Assert.True(gate.TryReserve(pool.TotalTokens), "the gate takes the whole pool");

        // The big tenant's 20 requests are all waiting before anyone else asks; then the others queue behind them.
        var big = streams.Where(s => s.Tenant == "big").Select((s, i) => Run(s.Tenant, s.Session, i)).ToList();
        await QueuedAsync(scheduler, 20);
        var others = streams.Where(s => s.Tenant != "big").Select((s, i) => Run(s.Tenant, s.Session, i)).ToList();
        await QueuedAsync(scheduler, 32);
        Assert.Equal(0, scheduler.Stats.ActiveSequences);
        gate.Dispose();
        var results = await Task.WhenAll(big.Concat(others));

        // 1. every stream completed normally
        Assert.Equal(32, results.Length);
        Assert.All(results, r => Assert.Contains(r.Result.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length }));

        // 2. forward passes held several sequences at once (from the scheduler's own counters)
        var after = scheduler.Stats;
        double meanBatch = (after.MeanBatchSize * after.Steps - before.MeanBatchSize * before.Steps) / (after.Steps - before.Steps);
        Assert.True(after.MaxBatchSize == MaxActive, $"largest batch {after.MaxBatchSize}, expected {MaxActive}");
        Assert.True(meanBatch > 2.5, $"mean batch {meanBatch:F2} sequences");

        // 3. fairness: round-robin admission lets every small tenant's stream start before the big tenant's
        //    last ones; first-come-first-served would put all of them behind its 20.
        double Latest(string tenant) => results.Where(r => r.Tenant == tenant).Max(r => r.FirstToken.TotalSeconds);
        double Mean(string tenant) => results.Where(r => r.Tenant == tenant).Average(r => r.FirstToken.TotalSeconds);
        foreach (var tenant in new[] { "mid", "small", "tiny" })
        {
            Assert.True(Latest(tenant) < Latest("big"), $"{tenant}'s last stream started at {Latest(tenant):F3}s, after big's last at {Latest("big"):F3}s");
            Assert.True(Mean(tenant) < Mean("big"), $"{tenant} waited {Mean(tenant):F3}s on average, big {Mean("big"):F3}s");
        }
    }

    /// <summary>Waits (a minute at most) until <paramref name="count"/> sequences wait in the scheduler's queues.</summary>
    static async Task QueuedAsync(BatchScheduler scheduler, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (scheduler.Stats.QueuedSequences < count && DateTime.UtcNow < deadline) await Task.Delay(5);
        Assert.Equal(count, scheduler.Stats.QueuedSequences);
    }

    static Metadata Auth(string tenant) => new() { { "authorization", $"Bearer key-{tenant}" } };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
