using System.Collections.Concurrent;
using System.Diagnostics;
using SmolLM3.Contracts.V1;
using Xunit.Abstractions;

namespace SmolLM3.Cluster.Tests.Processes;

/// <summary>
/// The reliability suite (docs/reliability.md): redis-server, two silo processes and a gateway process; 40
/// sessions of 4 tenants chat while one silo is killed with SIGKILL and another is stopped with SIGTERM, then
/// everything restarts. Clients retry a turn that ends UNAVAILABLE; at each step every session's transcript
/// must hold exactly the turns its client completed (none lost, none doubled) with consistent token counts.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReliabilityTests(ITestOutputHelper output) : IDisposable
{
    const int Tenants = 4, SessionsPerTenant = 10, ShortReply = 8, LongReply = 48;

    /// <summary>Fast failure detection for the test (a dead silo is noticed within a few seconds), a short grace period, and no prefix sharing.</summary>
    static readonly Dictionary<string, string> SiloSettings = new()
    {
        ["SmolLM3__Cluster__ProbeTimeout"] = "00:00:01",
        ["SmolLM3__Cluster__MissedProbesLimit"] = "2",
        ["SmolLM3__Cluster__ResponseTimeout"] = "00:00:04",
        ["DOTNET_shutdownTimeoutSeconds"] = "30",
        ["SmolLM3__Silo__KvPrefixSharing"] = "false",   // a rebuilt conversation reports only its own cache, none shared
    };

    static readonly Dictionary<string, string> Keys =
        Enumerable.Range(0, Tenants).ToDictionary(t => $"reliability-key-{t}", t => $"tenant-{t}");

    readonly ConcurrentDictionary<string, int> _streaming = new();
    readonly Stopwatch _clock = Stopwatch.StartNew();
    ProcessCluster? _cluster;

    public void Dispose()
    {
        foreach (var error in _cluster?.Errors() ?? []) output.WriteLine(error);
        _cluster?.Dispose();
    }

    void Log(string line) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {line}");

    [SkippableFact]
    public async Task SessionsSurviveAKilledSiloADrainedSiloAndAFullRestart()
    {
        using var redis = await RedisServer.StartAsync();
        _cluster = new ProcessCluster(ProcessCluster.RedisClustering(redis.ConnectionString), ProcessCluster.RedisStorage(redis.ConnectionString));
        var silos = await Task.WhenAll(_cluster.StartSiloAsync(SiloSettings), _cluster.StartSiloAsync(SiloSettings));
        var (a, b) = (silos[0], silos[1]);
        var gateway = await _cluster.StartGatewayAsync(Keys, SiloSettings);
        Log("cluster up: 2 silos, 1 gateway");

        // 1. 40 sessions across 4 tenants, 3 turns each, all succeed, spread over both silos
        var sessions = await Task.WhenAll(Keys.SelectMany(k => Enumerable.Range(0, SessionsPerTenant).Select(_ =>
            RetryingSession.CreateAsync(gateway.Chat, k.Value, k.Key))));
        await RunTurnsAsync(sessions, gateway, turns: 3, ShortReply);
        int onA = sessions.Count(s => a.Served(s.Turns[^1].Started.Silo)), onB = sessions.Count(s => b.Served(s.Turns[^1].Started.Silo));
        Log($"phase 1: {sessions.Length} sessions × 3 turns; last turn on silo A {onA}, on silo B {onB}");
        Assert.Equal(sessions.Length, onA + onB);
        Assert.True(onA >= 8 && onB >= 8, $"sessions not spread over both silos: {onA} on A, {onB} on B");
        await AssertTranscriptsAsync(sessions, gateway);

        // 2. kill -9 silo A while streams run on it: every session's next turns succeed
        await using (var membership = await MembershipView.ConnectAsync(_cluster.Cluster))
        {
            int retriesBefore = sessions.Sum(s => s.Retries);
            var run = RunTurnsAsync(sessions, gateway, turns: 2, LongReply);
            int killedStreams = await WhenStreamingAsync(a, run);
            var killedAt = _clock.Elapsed;
            a.Process.KillHard();
            Log($"phase 2: SIGKILL silo A with {killedStreams} streams running on it");
            var dead = await membership.DeadAsync(a, TimeSpan.FromSeconds(30));
            Log($"phase 2: silo A declared dead after {(_clock.Elapsed - killedAt).TotalSeconds:F1}s (suspected by {dead.SuspectTimes?.Count ?? 0})");
            Assert.NotEmpty(dead.SuspectTimes ?? []);   // the survivor voted it out: it did not leave by itself
            await run;
            Log($"phase 2: done after {(_clock.Elapsed - killedAt).TotalSeconds:F1}s; retries {sessions.Sum(s => s.Retries) - retriesBefore}");
            Assert.True(sessions.Sum(s => s.Retries) > retriesBefore, "no stream was cut by the kill: the phase tested nothing");
            await AssertTranscriptsAsync(sessions, gateway);

            // 3. SIGTERM silo B while streams run on it (a new silo C takes over): they finish or end retryable, B leaves cleanly
            var c = await _cluster.StartSiloAsync(SiloSettings);
            retriesBefore = sessions.Sum(s => s.Retries);
            run = RunTurnsAsync(sessions, gateway, turns: 1, LongReply);
            int drainedStreams = await WhenStreamingAsync(b, run);
            var termAt = _clock.Elapsed;
            b.Process.SignalTerminate();
            await b.Process.WaitForExitAsync(TimeSpan.FromSeconds(40));
            Log($"phase 3: SIGTERM silo B with {drainedStreams} streams running on it; exited {b.Process.ExitCode} after {(_clock.Elapsed - termAt).TotalSeconds:F1}s");
            Assert.Equal(0, b.Process.ExitCode);
            Assert.Contains("Drained: every open turn finished", b.Process.Output);
            var left = await membership.DeadAsync(b, TimeSpan.FromSeconds(10));
            Assert.DoesNotContain(left.SuspectTimes ?? [], vote => c.Served(vote.Item1.ToString()));   // the live silo did not have to vote it out
            await run;
            Log($"phase 3: done; retries {sessions.Sum(s => s.Retries) - retriesBefore}");
            await AssertTranscriptsAsync(sessions, gateway);

            // 4. restart everything (SIGTERM the gateway and silo C, start two silos and a gateway): sessions continue from Redis
            await Task.WhenAll(gateway.Process.TerminateAsync(), c.Process.TerminateAsync());
            Assert.Equal((0, 0), (gateway.Process.ExitCode, c.Process.ExitCode));
        }
        await Task.WhenAll(_cluster.StartSiloAsync(SiloSettings), _cluster.StartSiloAsync(SiloSettings));
        gateway = await _cluster.StartGatewayAsync(Keys, SiloSettings);
        await RunTurnsAsync(sessions, gateway, turns: 1, ShortReply);
        Assert.All(sessions, s => Assert.Equal(0, s.Turns[^1].Started.CachedTokens));   // rebuilt from the stored transcript
        await AssertTranscriptsAsync(sessions, gateway);

        int turns = sessions.Sum(s => s.Turns.Count), retries = sessions.Sum(s => s.Retries);
        Log($"figures: sessions {sessions.Length}, turns {turns}, completion tokens {sessions.Sum(s => s.Turns.Sum(t => t.Usage.CompletionTokens))}, " +
            $"failures injected 2 (SIGKILL, SIGTERM) + 1 restart, retries {retries}, turns lost 0, total {_clock.Elapsed.TotalSeconds:F0}s");
    }

    /// <summary>Every session runs <paramref name="turns"/> more turns, sessions concurrently, each retrying on UNAVAILABLE.</summary>
    Task RunTurnsAsync(RetryingSession[] sessions, GatewayProcess gateway, int turns, int maxTokens) =>
        Task.WhenAll(sessions.Select(async s =>
        {
            for (int i = 0; i < turns; i++)
                await s.TurnAsync(gateway.Chat, $"Message {s.Turns.Count + 1} from {s.Tenant}", maxTokens, _streaming, Log);
        }));

    /// <summary>Waits until at least three streams run on <paramref name="silo"/>; returns how many.</summary>
    async Task<int> WhenStreamingAsync(SiloProcess silo, Task run)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(5))
        {
            int n = _streaming.Where(kv => silo.Served(kv.Key)).Sum(kv => kv.Value);
            if (n >= 3) return n;
            Assert.False(run.IsCompleted, "the turns ended before three streams ran on the silo");
            Assert.True(DateTime.UtcNow < deadline, "no three streams on the silo within a minute");
        }
    }

    /// <summary>
    /// A session's server-side record, retried as any client retries UNAVAILABLE: right after a silo leaves, the first
    /// call to a conversation it held may still be routed to it (the read is idempotent; the transcript is what is checked).
    /// </summary>
    static async Task<Session> GetSessionAsync(GatewayProcess gateway, RetryingSession s)
    {
        for (int attempt = 1; ; attempt++)
        {
            try { return await gateway.Chat.GetSessionAsync(new GetSessionRequest { SessionId = s.Id }, s.Auth); }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Unavailable && attempt < 5) { await Task.Delay(1000); }
        }
    }

    /// <summary>
    /// The server's transcript of each session holds exactly the turns its client completed (2 messages each),
    /// and each completed turn's token counts agree: Usage repeats Started, a LENGTH reply is max_tokens long,
    /// and every prompt is longer than the one before (the history was there).
    /// </summary>
    static async Task AssertTranscriptsAsync(RetryingSession[] sessions, GatewayProcess gateway)
    {
        foreach (var s in sessions)
        {
            var info = await GetSessionAsync(gateway, s);
            Assert.Equal(2 * s.Turns.Count, info.MessageCount);
            for (int i = 0; i < s.Turns.Count; i++)
            {
                var t = s.Turns[i];
                Assert.Equal((t.Started.PromptTokens, t.Started.CachedTokens), (t.Usage.PromptTokens, t.Usage.CachedTokens));
                Assert.InRange(t.Usage.CompletionTokens, 1, LongReply);
                if (t.Finished.Reason == FinishReason.Length) Assert.Contains(t.Usage.CompletionTokens, new[] { ShortReply, LongReply });
                if (i > 0) Assert.True(t.Started.PromptTokens > s.Turns[i - 1].Started.PromptTokens, $"session {s.Id} turn {i + 1}: prompt did not grow");
            }
        }
    }
}
