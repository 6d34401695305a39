using Grpc.Core;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>The whole slice over real gRPC on loopback: gateway → conversation grain → batch scheduler → engine.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ChatEndToEndTests(ClusterFixture cluster)
{
    static ChatRequest Turn(string sessionId, string text, int maxTokens = 8) => ChatRequests.Greedy(sessionId, text, maxTokens);

    async Task<string> NewSessionAsync(string key = KeyA) =>
        (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(key))).SessionId;

    [SkippableFact]
    public async Task Two_turns_reuse_the_cache_and_the_first_matches_the_engine_generator()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();

        var first = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "Hello there!"), Auth(KeyA)));
        var second = await TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "And again?"), Auth(KeyA)));

        // The engine's own loop on the same prompt tokens, greedy, 8 tokens.
        var host = cluster.Model;
        var prompt = host.Tokenizer.Encode(host.Renderer.Render([new TurnMessage("user", "Hello there!")], thinking: false), parseSpecial: true).ToArray();
        var (expected, expectedText) = EngineGreedy.Reply(host, prompt, 8);

        Assert.Equal(prompt.Length, first.Started.PromptTokens);
        Assert.Equal(0, first.Started.CachedTokens);
        Assert.Equal(expected.Count, first.Usage.CompletionTokens);
        Assert.Equal(expectedText, first.Text);
        Assert.Equal(expected[^1].Finish == Engine.Generation.FinishReason.StopToken ? Contracts.V1.FinishReason.Stop : Contracts.V1.FinishReason.Length, first.Finished.Reason);

        Assert.Equal(FollowUp.CachedTokens(first.Started.PromptTokens, first.Usage.CompletionTokens), second.Started.CachedTokens);
        Assert.True(second.Started.PromptTokens > second.Started.CachedTokens);
        var info = await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA));
        Assert.Equal(4, info.MessageCount);
    }

    [SkippableFact]
    public async Task Sampling_settings_cross_the_wire_and_those_left_out_come_from_the_models_generation_config()
    {
        await cluster.StartAsync();
        var host = cluster.Model;
        const string text = "Pick three words.";
        var prompt = host.Tokenizer.Encode(host.Renderer.Render([new TurnMessage("user", text)], thinking: false), parseSpecial: true).ToArray();
        string EngineReply(SamplingOptions o)
        {
            using var cache = host.Model.NewCache();
            var tokens = Generator.Generate(host.Model, cache, prompt, o).Where(t => t.Finish != Engine.Generation.FinishReason.StopToken).Select(t => t.Token);
            return host.Tokenizer.Decode(tokens);
        }
        async Task<string> ClusterReply(SamplingParameters sampling)
        {
            var request = new ChatRequest { SessionId = await NewSessionAsync(), Messages = { new ChatMessage { Role = "user", Content = text } }, Sampling = sampling };
            return (await TurnResult.ReadAsync(cluster.Client.StreamChat(request, Auth(KeyA)))).Text;
        }

        // 1. every setting given: the scheduler samples exactly as the engine's own loop with the same seed
        var all = new SamplingParameters { Temperature = 1.25, TopP = 0.875, TopK = 40, MinP = 0.03125, RepetitionPenalty = 1.25, PresencePenalty = 0.25, FrequencyPenalty = 0.125, Seed = 1234, MaxTokens = 12 };
        Assert.Equal(EngineReply(new SamplingOptions
        {
            Temperature = 1.25, TopP = 0.875, TopK = 40, MinP = 0.03125, RepetitionPenalty = 1.25, PresencePenalty = 0.25, FrequencyPenalty = 0.125,
            Seed = 1234, MaxTokens = 12, StopTokenIds = host.StopTokenIds,
        }), await ClusterReply(all));

        // 2. only seed and length given: temperature and top_p come from the fixture's generation_config.json
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Require("tiny-smollm3", "hf"), "generation_config.json")));
        double temperature = config.RootElement.GetProperty("temperature").GetDouble(), topP = config.RootElement.GetProperty("top_p").GetDouble();
        var reply = await ClusterReply(new SamplingParameters { Seed = 99, MaxTokens = 12 });
        Assert.Equal(EngineReply(new SamplingOptions { Temperature = temperature, TopP = topP, Seed = 99, MaxTokens = 12, StopTokenIds = host.StopTokenIds }), reply);
        Assert.NotEqual(EngineReply(new SamplingOptions { Seed = 99, MaxTokens = 12, StopTokenIds = host.StopTokenIds }), reply);
    }

    [SkippableFact]
    public async Task A_wrong_or_missing_api_key_is_unauthenticated()
    {
        await cluster.StartAsync();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await cluster.Client.ListModelsAsync(new ListModelsRequest(), Auth("not-a-key")));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(cluster.Client.StreamChat(Turn("any", "hi"), new Metadata())));
        Assert.Equal(StatusCode.Unauthenticated, missing.StatusCode);
        var models = await cluster.Client.ListModelsAsync(new ListModelsRequest(), Auth(KeyA));
        Assert.Single(models.Models);
    }

    [SkippableFact]
    public async Task Another_tenants_session_is_not_found()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync(KeyA);

        var get = await Assert.ThrowsAsync<RpcException>(async () =>
            await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyB)));
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        var chat = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(session, "hi"), Auth(KeyB))));
        Assert.Equal(StatusCode.NotFound, chat.StatusCode);
        var delete = await Assert.ThrowsAsync<RpcException>(async () =>
            await cluster.Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session }, Auth(KeyB)));
        Assert.Equal(StatusCode.NotFound, delete.StatusCode);
    }

    [SkippableFact]
    public async Task Malformed_requests_are_invalid_arguments()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();
        var noMessages = new ChatRequest { SessionId = session };
        var emptyContent = Turn(session, "");
        var badRole = Turn(session, "hi");
        badRole.Messages[0].Role = "wizard";
        var coldTemperature = Turn(session, "hi");
        coldTemperature.Sampling.Temperature = -1;

        foreach (var request in new[] { noMessages, emptyContent, badRole, coldTemperature })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(cluster.Client.StreamChat(request, Auth(KeyA))));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        }
    }

    [SkippableFact]
    public async Task Concurrent_streams_from_two_tenants_are_batched_together()
    {
        await cluster.StartAsync();
        var keys = Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? KeyA : KeyB).ToArray();
        var sessions = await Task.WhenAll(keys.Select(k => NewSessionAsync(k)));

        var results = await Task.WhenAll(sessions.Select((s, i) =>
            TurnResult.ReadAsync(cluster.Client.StreamChat(Turn(s, $"Story number {i}", maxTokens: 16), Auth(keys[i])))));

        Assert.All(results, r => Assert.Contains(r.Finished.Reason, new[] { Contracts.V1.FinishReason.Stop, Contracts.V1.FinishReason.Length }));
        Assert.True(cluster.Scheduler.Stats.MaxBatchSize > 1, $"max batch size {cluster.Scheduler.Stats.MaxBatchSize}");
    }

    [SkippableFact]
    public async Task Cancelling_a_stream_drops_its_sequence()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync();
        using var cts = new CancellationTokenSource();
        using var call = cluster.Client.StreamChat(Turn(session, "Talk forever", maxTokens: 60_000), Auth(KeyA), cancellationToken: cts.Token);

        int deltas = 0;
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var ev in call.ResponseStream.ReadAllAsync())
                if (ev.EventCase == ChatEvent.EventOneofCase.Delta && ++deltas == 3) cts.Cancel();
        });
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (cluster.Scheduler.Stats is { ActiveSequences: > 0 } or { QueuedSequences: > 0 } && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal(0, cluster.Scheduler.Stats.ActiveSequences);
        Assert.Equal(0, cluster.Scheduler.Stats.QueuedSequences);
        Assert.True(cluster.Scheduler.Stats.GeneratedTokens < 60_000);
    }
}
