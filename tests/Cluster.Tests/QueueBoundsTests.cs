using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.V1;
using SmolLM3.Hosting;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Bounded waiting on a silo that runs one sequence at a time, held by another tenant's endless reply: a tenant's
/// turns waiting behind it are limited in number (the next is refused at once) and in time (once the queue timeout
/// passes before any of its prompt was scheduled, the silo drops it from its queue), both as RESOURCE_EXHAUSTED / 429
/// with a retry-after; once the silo frees up the tenant is served again. The timeout never counts prefill: a turn
/// whose prompt takes longer than it to prefill is served. A burst of streams from one tenant ends each call in a
/// clear status while another tenant is still served.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class QueueBoundsTests : IAsyncLifetime
{
    const string KeyHog = "key-hog", KeyQueued = "key-queued", KeyBurst = "key-burst";
    const int QueueTimeoutSeconds = 2, BurstQueue = 8, BurstSize = 1000;

    WebApplication? _app;

    [SkippableFact]
    public async Task Turns_waiting_for_a_busy_silo_are_bounded_in_number_and_time_and_served_once_it_frees()
    {
        await StartAsync();
        var scheduler = _app!.Services.GetRequiredService<BatchScheduler>();
        using var channel = GrpcChannel.ForAddress(_app!.Address());
        var client = new Chat.ChatClient(channel);
        using var http = new HttpClient { BaseAddress = new Uri(_app!.HttpAddress()) };

        using var hogStop = new CancellationTokenSource();
        using var hog = client.StreamChat(ChatRequests.Greedy("", "Talk for a long time", 60_000), Auth(KeyHog), cancellationToken: hogStop.Token);
        await UntilAsync(() => scheduler.Stats.ActiveSequences == 1);   // the one slot is taken

        var clock = Stopwatch.StartNew();
        using var waiting = client.StreamChat(ChatRequests.Greedy("", "Me next", 4), Auth(KeyQueued));
        Assert.True(await waiting.ResponseStream.MoveNext(CancellationToken.None));   // queued on the silo: Started flows at once
        Assert.Equal(ChatEvent.EventOneofCase.Started, waiting.ResponseStream.Current.EventCase);
        var waited = FailureAsync(waiting);
        await UntilAsync(() => scheduler.Stats.QueuedSequences == 1);

        var full = await FailureAsync(client.StreamChat(ChatRequests.Greedy("", "Me too", 4), Auth(KeyQueued)));
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.Contains("1 turns waiting", full.Status.Detail);
        Assert.Equal("1", full.Trailers.GetValue("retry-after"));

        var timedOut = await waited;
        Assert.Equal(StatusCode.ResourceExhausted, timedOut.StatusCode);
        Assert.Contains($"waited {QueueTimeoutSeconds} s in its silo's queue", timedOut.Status.Detail);
        Assert.Equal("1", timedOut.Trailers.GetValue("retry-after"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(QueueTimeoutSeconds), $"refused after {clock.Elapsed}");
        await UntilAsync(() => scheduler.Stats.QueuedSequences == 0);   // refused: it left the silo's queue

        clock.Restart();
        using var response = await http.SendAsync(ChatRequests.Completion(KeyQueued, new { messages = new[] { new { role = "user", content = "Me via HTTP" } }, max_tokens = 4 }));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_exceeded", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["code"]);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(QueueTimeoutSeconds), $"refused after {clock.Elapsed}");

        // A stream's headers are out once the turn is queued: the refusal is its final error event.
        using var streamed = await http.SendAsync(ChatRequests.Completion(KeyQueued, new { messages = new[] { new { role = "user", content = "Me, streamed" } }, max_tokens = 4, stream = true }));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var events = (await streamed.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("data: [DONE]", events);
        Assert.Equal("rate_limit_exceeded", (string?)JsonNode.Parse(events[^1]["data: ".Length..])!["error"]!["code"]);

        hogStop.Cancel();
        var served = await TurnResult.ReadAsync(client.StreamChat(ChatRequests.Greedy("", "Now me", 4), Auth(KeyQueued)));
        Assert.Contains(served.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length });
    }

    [SkippableFact]
    public async Task A_turn_whose_prefill_outlasts_the_queue_timeout_is_served()
    {
        await StartAsync(slowPrefill: true);
        using var channel = GrpcChannel.ForAddress(_app!.Address());
        var client = new Chat.ChatClient(channel);
        var longPrompt = string.Concat(Enumerable.Repeat("A long prompt takes its time to prefill. ", 30));

        using var call = client.StreamChat(ChatRequests.Greedy("", longPrompt, 4), Auth(KeyQueued));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var events = new List<ChatEvent> { call.ResponseStream.Current };
        var sinceStarted = Stopwatch.StartNew();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        var result = TurnResult.From(events);

        Assert.Equal(ChatEvent.EventOneofCase.Started, events[0].EventCase);
        Assert.InRange(result.Started.PromptTokens, 30 * PrefillChunk, int.MaxValue);   // 30 pieces at least, 100 ms each
        Assert.True(sinceStarted.Elapsed > TimeSpan.FromSeconds(QueueTimeoutSeconds), $"the prefill after Started took only {sinceStarted.Elapsed}");
        Assert.Contains(result.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length });
    }

    const int PrefillChunk = 8;

    /// <summary>
    /// A cluster running one sequence at a time; tenant queued may have 1 turn waiting for 2 s, tenant burst 8 for 30 s.
    /// With <paramref name="slowPrefill"/>, prompts are fed <see cref="PrefillChunk"/> tokens a step, each step 100 ms.
    /// </summary>
    async Task StartAsync(bool slowPrefill = false)
    {
        _app = EmbeddedCluster.Build(new EmbeddedClusterOptions(Fixtures.Require("tiny-smollm3", "hf"))
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = 0,
            ApiKeys = new Dictionary<string, string> { [KeyHog] = "hog", [KeyQueued] = "queued", [KeyBurst] = "burst" },
            Configuration = new Dictionary<string, string?>
            {
                ["SmolLM3:Tenants:queued:MaxQueuedTurns"] = "1",
                ["SmolLM3:Tenants:queued:QueueTimeout"] = $"00:00:0{QueueTimeoutSeconds}",
                ["SmolLM3:Tenants:burst:MaxQueuedTurns"] = $"{BurstQueue}",
                ["SmolLM3:Tenants:burst:QueueTimeout"] = "00:00:30",
            },
            ConfigureSilo = o =>
            {
                o.MaxActiveSequences = 1;
                if (slowPrefill) o.PrefillChunk = PrefillChunk;
            },
            ConfigureServices = slowPrefill
                ? services => services.AddSingleton(new ModelDecorator(loaded => new SlowPrefillModel(loaded, TimeSpan.FromMilliseconds(100))))
                : null,
        });
        await _app.StartAsync();
    }

    [SkippableFact]
    public async Task A_burst_of_streams_ends_each_in_a_clear_status_and_another_tenant_is_still_served()
    {
        await StartAsync();
        using var channel = GrpcChannel.ForAddress(_app!.Address());
        var client = new Chat.ChatClient(channel);

        var burst = Enumerable.Range(0, BurstSize).Select(i => StatusOfAsync(client.StreamChat(ChatRequests.Greedy("", $"Burst {i}", 2), Auth(KeyBurst)))).ToList();
        var other = await TurnResult.ReadAsync(client.StreamChat(ChatRequests.Greedy("", "Me, meanwhile", 2), Auth(KeyHog)));
        Assert.Contains(other.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length });

        var statuses = await Task.WhenAll(burst).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.All(statuses, s => Assert.Contains(s, new[] { StatusCode.OK, StatusCode.ResourceExhausted }));
        Assert.Contains(StatusCode.ResourceExhausted, statuses);   // more arrived at once than may wait
        Assert.True(statuses.Count(s => s == StatusCode.OK) >= BurstQueue, $"{statuses.Count(s => s == StatusCode.OK)} of {BurstSize} served");
    }

    /// <summary>How a call ended: OK once read to the end, else its status.</summary>
    static async Task<StatusCode> StatusOfAsync(AsyncServerStreamingCall<ChatEvent> call)
    {
        using (call)
        {
            try
            {
                await TurnResult.ReadAsync(call);
                return StatusCode.OK;
            }
            catch (RpcException e) { return e.StatusCode; }
        }
    }

    static Metadata Auth(string key) => new() { { "authorization", $"Bearer {key}" } };

    /// <summary>The status a call ends with (it must fail before its next event).</summary>
    static async Task<RpcException> FailureAsync(AsyncServerStreamingCall<ChatEvent> call) =>
        await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

    static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(20);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
