using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Hosting;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Benchmarking;
using SmolLM3.Silo;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Migration;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Placement;
using SmolLM3.Silo.Storage;

namespace SmolLM3.Cli.Cluster;

/// <summary>The time to the first token of a follow-up turn after a long conversation, and the positions it found cached.</summary>
public sealed record FollowUpRun(string Case, int PromptTokens, int CachedTokens, double TtftSeconds, string Silo)
{
    /// <summary>Generated tokens (set by the turn that measured it).</summary>
    public int CompletionTokens { get; init; }
}

/// <summary>KV memory N sessions with one system prompt took in the pool, and what they would hold without sharing.</summary>
public sealed record SharedPromptRun(int Sessions, int SystemTokens, long HeldBytes, long AloneBytes);

/// <summary>
/// What keeping a conversation's KV is worth: one conversation of N tokens, then a short follow-up turn whose KV is
/// (1) kept in the pool, (2) restored from the spill tier after another conversation pushed it out, (3) recomputed
/// (a conversation of the same length that nothing is cached for), and (4) migrated to a second silo in this process
/// the way a drain moves it. Every turn goes through the gateway; the follow-ups generate one token.
/// </summary>
public static class FollowUpBenchmark
{
    /// <summary>Pool size of the first silo in conversations of the benchmark's length: one fits, two do not.</summary>
    public const double PoolConversations = 1.5;

    public static async Task<(List<FollowUpRun> Runs, double MoveSeconds, SharedPromptRun Shared)> RunAsync(
        WebApplication app, GrpcChannel channel, string apiKey, string tenant, int contextTokens, SiloSettings second, TextWriter err, CancellationToken ct)
    {
        var host = app.Services.GetRequiredService<ModelHost>();
        var client = new Chat.ChatClient(channel);
        var auth = new Metadata { { "authorization", $"Bearer {apiKey}" } };
        var runs = new List<FollowUpRun>();

        await err.WriteLineAsync("bench cluster: 10 sessions with one 2000-token system prompt");
        var shared = await SharedPromptAsync(host, client, auth, 10, Math.Min(2000, contextTokens / 4), ct);

        async Task<string> OpenAsync(string topic)
        {
            var session = (await client.CreateSessionAsync(new CreateSessionRequest(), auth, cancellationToken: ct)).SessionId;
            await TurnAsync(client, auth, session, Long(host, topic, contextTokens), 4, ct);
            return session;
        }

        await err.WriteLineAsync($"bench cluster: a {contextTokens}-token conversation");
        var session = await OpenAsync("harbor");
        runs.Add(await TurnAsync(client, auth, session, "Go on.", 1, ct) with { Case = "kept" });

        await err.WriteLineAsync("bench cluster: another conversation pushes its KV out of the pool");
        await OpenAsync("meadow");
        runs.Add(await TurnAsync(client, auth, session, "And then?", 1, ct) with { Case = "restored from spill" });

        await err.WriteLineAsync("bench cluster: a conversation of the same length with nothing cached");
        var fresh = (await client.CreateSessionAsync(new CreateSessionRequest(), auth, cancellationToken: ct)).SessionId;
        runs.Add(await TurnAsync(client, auth, fresh, Long(host, "granite", contextTokens + 20), 1, ct) with { Case = "recomputed" });

        await err.WriteLineAsync("bench cluster: starting a second silo and moving the conversation there");
        using var other = await StartSecondSiloAsync(app, second, ct);
        var target = other.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        await OpenWarmUpAsync(client, auth, ct);   // placed on the emptier newcomer: its first turn's one-time costs stay out of the figure
        var mover = app.Services.GetRequiredService<IGrainFactory>().GetGrain<IConversationMover>(ConversationKey.For(tenant, session));
        var clock = Stopwatch.StartNew();
        await mover.MoveToAsync(target);
        double move = clock.Elapsed.TotalSeconds;
        runs.Add(await TurnAsync(client, auth, session, "Finish it.", 1, ct) with { Case = "migrated" });
        await other.StopAsync(CancellationToken.None);
        return (runs, move, shared);
    }

    /// <summary>
    /// <paramref name="sessions"/> sessions whose first turn starts with the same system prompt: the pool's blocks they
    /// took, against the blocks each would hold alone (its prompt and reply, rounded up to blocks). Deleted after.
    /// </summary>
    static async Task<SharedPromptRun> SharedPromptAsync(ModelHost host, Chat.ChatClient client, Metadata auth, int sessions, int systemTokens, CancellationToken ct)
    {
        var pool = host.KvPool;
        var system = Long(host, "rule", systemTokens);
        int before = pool.Stats.UsedBlocks;
        long alone = 0;
        var ids = new List<string>();
        for (int i = 0; i < sessions; i++)
        {
            var session = (await client.CreateSessionAsync(new CreateSessionRequest(), auth, cancellationToken: ct)).SessionId;
            ids.Add(session);
            var run = await TurnAsync(client, auth, session, $"Question {i}: which rule comes first?", 4, ct, system);
            alone += pool.BlocksFor(run.PromptTokens + run.CompletionTokens - 1);
        }
        long held = pool.Stats.UsedBlocks - before;
        foreach (var session in ids) await client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session }, auth, cancellationToken: ct);
        return new SharedPromptRun(sessions, systemTokens, held * pool.BlockBytes, alone * pool.BlockBytes);
    }

    static async Task OpenWarmUpAsync(Chat.ChatClient client, Metadata auth, CancellationToken ct)
    {
        var session = (await client.CreateSessionAsync(new CreateSessionRequest(), auth, cancellationToken: ct)).SessionId;
        await TurnAsync(client, auth, session, "Hello.", 2, ct);
    }

    /// <summary>A second silo in this process joining the first (same model, same storage folder, its own spill folder).</summary>
    static async Task<IHost> StartSecondSiloAsync(WebApplication first, SiloSettings settings, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddConsole(c => c.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        builder.AddSmolLMSilo(settings);
        var host = builder.Build();
        await host.StartAsync(ct);
        // placement needs the newcomer's capacity report on the first silo's board
        var board = first.Services.GetRequiredService<CapacityBoard>();
        var address = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); !board.Reports.Any(r => r.Silo.Equals(address)); await Task.Delay(100, ct))
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the second silo did not report its capacity within 60 s");
        return host;
    }

    /// <summary>The settings of a second silo joining <paramref name="silo"/>'s localhost cluster on its silo port.</summary>
    public static SiloSettings SecondSilo(SmolLMSiloOptions silo, int primarySiloPort, string dataFolder) => new(
        new SmolLMSiloOptions
        {
            ModelPath = silo.ModelPath, ModelId = silo.ModelId, DType = silo.DType, KvDType = silo.KvDType, Device = silo.Device,
            ContextLength = silo.ContextLength, RopeScaling = silo.RopeScaling, RopeScale = silo.RopeScale, YarnOrigCtx = silo.YarnOrigCtx,
            KvSpillFolder = Path.Combine(dataFolder, "kv-spill-second"), HealthPort = Hosting.FreePort.OnLoopback(),
        },
        new SmolLMClusterOptions { SiloPort = Hosting.FreePort.OnLoopback(), GatewayPort = Hosting.FreePort.OnLoopback(), PrimarySiloPort = primarySiloPort },
        new SmolLMStorageOptions { Provider = "folder", Folder = dataFolder });

    /// <summary>One turn; its time to the first generated token (or to the end when none came), prompt and cached positions.</summary>
    static async Task<FollowUpRun> TurnAsync(Chat.ChatClient client, Metadata auth, string session, string text, int maxTokens, CancellationToken ct, string? system = null)
    {
        var request = new ChatRequest
        {
            SessionId = session,
            Messages = { new SmolLM3.Contracts.V1.ChatMessage { Role = "user", Content = text } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = maxTokens },
        };
        if (system is not null) request.Messages.Insert(0, new SmolLM3.Contracts.V1.ChatMessage { Role = "system", Content = system });
        var clock = Stopwatch.StartNew();
        TimeSpan? first = null;
        Started? started = null;
        int completion = 0;
        using var call = client.StreamChat(request, auth, cancellationToken: ct);
        await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
        {
            if (e.EventCase == ChatEvent.EventOneofCase.Started) started = e.Started;
            if (e.EventCase is ChatEvent.EventOneofCase.Delta or ChatEvent.EventOneofCase.Usage) first ??= clock.Elapsed;
            if (e.EventCase == ChatEvent.EventOneofCase.Usage) completion = e.Usage.CompletionTokens;
            if (e.EventCase == ChatEvent.EventOneofCase.Finished && e.Finished.Reason == FinishReason.Error)
                throw new InvalidOperationException($"a benchmark turn failed: {e.Finished.Message}");
        }
        return new FollowUpRun("", started?.PromptTokens ?? 0, started?.CachedTokens ?? 0, (first ?? clock.Elapsed).TotalSeconds, started?.Silo ?? "")
        {
            CompletionTokens = completion,
        };
    }

    /// <summary>A user message on <paramref name="topic"/> whose prompt takes at least <paramref name="tokens"/> tokens.</summary>
    static string Long(ModelHost host, string topic, int tokens) => FillerText.ForTokens(topic, tokens,
        text => host.Tokenizer.Encode(host.Renderer.Render([new TurnMessage("user", text)], thinking: false), parseSpecial: true).Count);
}
