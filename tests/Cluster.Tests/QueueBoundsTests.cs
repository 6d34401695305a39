using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.V1;
using SmolLM3.Hosting;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Bounded waiting on a silo that runs one sequence at a time, held by another tenant's endless reply: a tenant's
/// turns waiting behind it are limited in number (the next is refused at once) and in time (refused once the queue
/// timeout passes, and taken out of the silo's queue), both as RESOURCE_EXHAUSTED / 429 with a retry-after; once
/// the silo frees up the tenant is served again. A burst of streams from one tenant ends each call in a clear
/// status while another tenant is still served.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class QueueBoundsTests : IAsyncLifetime
{
    const string KeyHog = "key-hog", KeyQueued = "key-queued", KeyBurst = "key-burst";
    const int QueueTimeoutSeconds = 2, BurstQueue = 8, BurstSize = 200;

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
        Assert.True(await hog.ResponseStream.MoveNext(CancellationToken.None));   // Started comes with the first token: the one slot is taken

        var clock = Stopwatch.StartNew();
        using var waiting = client.StreamChat(ChatRequests.Greedy("", "Me next", 4), Auth(KeyQueued));
        var waited = FailureAsync(waiting);
        await UntilAsync(() => scheduler.Stats.QueuedSequences == 1);

        var full = await FailureAsync(client.StreamChat(ChatRequests.Greedy("", "Me too", 4), Auth(KeyQueued)));
        Assert.Equal(StatusCode.ResourceExhausted, full.StatusCode);
        Assert.Contains("1 turns waiting", full.Status.Detail);
        Assert.Equal("1", full.Trailers.GetValue("retry-after"));

        var timedOut = await waited;
        Assert.Equal(StatusCode.ResourceExhausted, timedOut.StatusCode);
        Assert.Contains($"waited {QueueTimeoutSeconds} s", timedOut.Status.Detail);
        Assert.Equal("1", timedOut.Trailers.GetValue("retry-after"));
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(QueueTimeoutSeconds), $"refused after {clock.Elapsed}");
        await UntilAsync(() => scheduler.Stats.QueuedSequences == 0);   // cancelled: it left the silo's queue

        clock.Restart();
        using var response = await http.SendAsync(ChatRequests.Completion(KeyQueued, new { messages = new[] { new { role = "user", content = "Me via HTTP" } }, max_tokens = 4 }));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(QueueTimeoutSeconds), $"refused after {clock.Elapsed}");

        hogStop.Cancel();
        var served = await TurnResult.ReadAsync(client.StreamChat(ChatRequests.Greedy("", "Now me", 4), Auth(KeyQueued)));
        Assert.Contains(served.Finished.Reason, new[] { FinishReason.Stop, FinishReason.Length });
    }

    /// <summary>A cluster running one sequence at a time; tenant queued may have 1 turn waiting for 2 s, tenant burst 8 for 30 s.</summary>
    async Task StartAsync()
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
            ConfigureSilo = o => o.MaxActiveSequences = 1,
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

    /// <summary>The status a call ends with (it must fail before its first event).</summary>
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
