using Grpc.Core;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>Each failure reaches a gRPC client with its own status code and a message that says what was wrong.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ErrorCodeTests(ClusterFixture cluster)
{
    const int ModelContext = 65536;   // max_position_embeddings of the tiny fixture model

    static ChatRequest Turn(string sessionId, string text, int? maxTokens = 2)
    {
        var request = new ChatRequest
        {
            SessionId = sessionId,
            Messages = { new ChatMessage { Role = "user", Content = text } },
            Sampling = new SamplingParameters { Temperature = 0 },
        };
        if (maxTokens is { } n) request.Sampling.MaxTokens = n;
        return request;
    }

    async Task<string> NewSessionAsync(string key) =>
        (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(key))).SessionId;

    Task<TurnResult> ChatAsync(string key, ChatRequest request) => TurnResult.ReadAsync(cluster.Client.StreamChat(request, Auth(key)));

    async Task<RpcException> FailsAsync(string key, ChatRequest request) =>
        await Assert.ThrowsAsync<RpcException>(() => ChatAsync(key, request));

    int PromptTokens(string userText)
    {
        var host = cluster.Model;
        return host.Tokenizer.Encode(host.Renderer.Render([new TurnMessage("user", userText)], thinking: false), parseSpecial: true).Count();
    }

    static int RetryAfter(RpcException e) => int.Parse(e.Trailers.GetValue("retry-after") ?? "0");

    [SkippableFact]
    public async Task Max_tokens_over_the_model_context_or_the_tenants_allowance_is_an_invalid_argument()
    {
        await cluster.StartAsync();
        var overModel = await FailsAsync(KeyA, Turn(await NewSessionAsync(KeyA), "hi", maxTokens: ModelContext + 1));
        Assert.Equal(StatusCode.InvalidArgument, overModel.StatusCode);
        Assert.Contains($"max_tokens is {ModelContext + 1}", overModel.Status.Detail);
        Assert.Contains($"{ModelContext}-token context", overModel.Status.Detail);

        var overAllowance = await FailsAsync(KeyContext, Turn(await NewSessionAsync(KeyContext), "hi", maxTokens: ContextAllowance + 1));
        Assert.Equal(StatusCode.InvalidArgument, overAllowance.StatusCode);
        Assert.Contains($"allowance of {ContextAllowance} tokens", overAllowance.Status.Detail);
    }

    [SkippableFact]
    public async Task A_prompt_longer_than_the_context_is_out_of_range_with_its_token_count_and_leaves_the_session_as_it_was()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync(KeyA);
        var text = string.Concat(Enumerable.Repeat("word ", ModelContext + 1000));
        int prompt = PromptTokens(text);
        Assert.True(prompt > ModelContext, $"the test prompt has only {prompt} tokens");

        var e = await FailsAsync(KeyA, Turn(session, text));
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);
        Assert.Contains($"the prompt has {prompt} tokens", e.Status.Detail);
        Assert.Contains($"the model's context holds {ModelContext}", e.Status.Detail);

        // A short prompt asking for the whole context does not fit either.
        var tooMuch = await FailsAsync(KeyA, Turn(session, "hi", maxTokens: ModelContext));
        Assert.Equal(StatusCode.OutOfRange, tooMuch.StatusCode);
        Assert.Contains($"the prompt has {PromptTokens("hi")} tokens and asks for up to {ModelContext} more", tooMuch.Status.Detail);

        // Nothing was appended: the session still chats from an empty transcript.
        Assert.Equal(0, (await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA))).MessageCount);
        var ok = await ChatAsync(KeyA, Turn(session, "hi"));
        Assert.Equal(PromptTokens("hi"), ok.Started.PromptTokens);
    }

    [SkippableFact]
    public async Task A_prompt_over_the_tenants_context_allowance_is_out_of_range_and_an_unsized_reply_shrinks_to_fit()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync(KeyContext);
        var text = string.Concat(Enumerable.Repeat("word ", ContextAllowance));
        var e = await FailsAsync(KeyContext, Turn(session, text, maxTokens: null));
        Assert.Equal(StatusCode.OutOfRange, e.StatusCode);
        Assert.Contains($"the prompt has {PromptTokens(text)} tokens", e.Status.Detail);
        Assert.Contains($"the tenant's context allowance holds {ContextAllowance}", e.Status.Detail);

        // Without max_tokens the reply may use what the allowance leaves (the server default, 512, would not fit).
        var fits = await ChatAsync(KeyContext, Turn(session, "hi", maxTokens: null));
        Assert.InRange(fits.Started.PromptTokens + fits.Usage.CompletionTokens, 1, ContextAllowance);
    }

    [SkippableFact]
    public async Task Requests_over_the_tenants_per_minute_limit_are_resource_exhausted_with_retry_after()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync(KeyRpm);
        await ChatAsync(KeyRpm, Turn(session, "one"));
        await ChatAsync(KeyRpm, Turn(session, "two"));

        var e = await FailsAsync(KeyRpm, Turn(session, "three"));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("2 requests per minute", e.Status.Detail);
        Assert.InRange(RetryAfter(e), 1, 30);   // the bucket refills one request every 30 s
        // Other tenants are not affected.
        await ChatAsync(KeyA, Turn(await NewSessionAsync(KeyA), "still fine"));
    }

    [SkippableFact]
    public async Task Tokens_over_the_tenants_per_minute_limit_are_resource_exhausted_with_retry_after()
    {
        await cluster.StartAsync();
        var session = await NewSessionAsync(KeyTpm);
        var first = await ChatAsync(KeyTpm, Turn(session, "hi"));   // its prompt alone is well over 10 tokens

        var e = await FailsAsync(KeyTpm, Turn(session, "again"));
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("10 tokens per minute", e.Status.Detail);
        // The debt is what the first turn used beyond the bucket's 10 tokens, repaid at 10 a minute.
        int debt = first.Started.PromptTokens + first.Usage.CompletionTokens - 10;
        Assert.InRange(RetryAfter(e), debt * 6, (debt + 2) * 6);
    }

    [SkippableFact]
    public async Task A_stream_over_the_tenants_concurrency_limit_is_resource_exhausted_until_the_first_ends()
    {
        await cluster.StartAsync();
        using var cts = new CancellationTokenSource();
        using var first = cluster.Client.StreamChat(Turn(await NewSessionAsync(KeyStreams), "Talk for a long time", maxTokens: 60_000), Auth(KeyStreams), cancellationToken: cts.Token);
        Assert.True(await first.ResponseStream.MoveNext(CancellationToken.None));   // Started: the first turn holds the slot

        var second = await FailsAsync(KeyStreams, Turn(await NewSessionAsync(KeyStreams), "me too"));
        Assert.Equal(StatusCode.ResourceExhausted, second.StatusCode);
        Assert.Contains("1 concurrent streams", second.Status.Detail);
        Assert.Equal(1, RetryAfter(second));

        cts.Cancel();
        var cancelled = await Assert.ThrowsAsync<RpcException>(async () => { while (await first.ResponseStream.MoveNext(CancellationToken.None)) { } });
        Assert.Equal(StatusCode.Cancelled, cancelled.StatusCode);   // it was still generating: the slot was really taken

        // The slot comes back once the server has wound the first call down.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await ChatAsync(KeyStreams, Turn(await NewSessionAsync(KeyStreams), "my turn now"));
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [SkippableFact]
    public async Task A_model_no_silo_serves_is_unavailable()
    {
        await cluster.StartAsync();
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await cluster.Client.CreateSessionAsync(new CreateSessionRequest { Model = GhostModel }, Auth(KeyA)));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains($"no silo serves model '{GhostModel}'", e.Status.Detail);

        // The listing shows only what is served.
        var models = await cluster.Client.ListModelsAsync(new ListModelsRequest(), Auth(KeyA));
        Assert.DoesNotContain(models.Models, m => m.Id == GhostModel);
    }

    [SkippableFact]
    public async Task An_unknown_model_is_an_invalid_argument_for_a_new_session_and_for_a_sessionless_turn_alike()
    {
        await cluster.StartAsync();
        var create = await Assert.ThrowsAsync<RpcException>(async () =>
            await cluster.Client.CreateSessionAsync(new CreateSessionRequest { Model = "no-such-model" }, Auth(KeyA)));
        var stateless = Turn("", "hi");
        stateless.Model = "no-such-model";
        var chat = await FailsAsync(KeyA, stateless);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (create.StatusCode, chat.StatusCode));
        Assert.Contains("model 'no-such-model' is not served", create.Status.Detail);
        Assert.Equal(create.Status.Detail, chat.Status.Detail);
    }
}
