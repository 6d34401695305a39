using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>The OpenAI-compatible HTTP API over real loopback HTTP: the same replies, usage and errors as gRPC.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OpenAiApiTests(ClusterFixture cluster)
{
    const string Greeting = "Hello there!";

    Task<HttpResponseMessage> PostAsync(string? key, object body) => SendAsync(key, JsonSerializer.Serialize(body));

    async Task<HttpResponseMessage> SendAsync(string? key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await cluster.Http.SendAsync(request);
    }

    static object Greedy(bool stream = false, string model = "", string text = Greeting, int maxTokens = 8) => new
    {
        model,
        messages = new[] { new { role = "user", content = text } },
        temperature = 0,
        max_tokens = maxTokens,
        stream,
        stream_options = stream ? new { include_usage = true } : null,
    };

    async Task<string> ModelIdAsync() => (await cluster.Client.ListModelsAsync(new ListModelsRequest(), Auth(KeyA))).Models.Single().Id;

    async Task<TurnResult> GrpcGreedyAsync()
    {
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        return await TurnResult.ReadAsync(cluster.Client.StreamChat(new ChatRequest
        {
            SessionId = session,
            Messages = { new ChatMessage { Role = "user", Content = Greeting } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 8 },
        }, Auth(KeyA)));
    }

    static string FinishReason(TurnResult r) => r.Finished.Reason == Contracts.V1.FinishReason.Length ? "length" : "stop";

    /// <summary>Asserts OpenAI's error shape and returns the error object.</summary>
    static async Task<JsonNode> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(code, (string?)error["code"]);
        Assert.False(string.IsNullOrEmpty((string?)error["message"]));
        Assert.False(string.IsNullOrEmpty((string?)error["type"]));
        return error;
    }

    [SkippableFact]
    public async Task A_completion_equals_the_grpc_reply_for_the_same_greedy_prompt()
    {
        await cluster.StartAsync();
        var grpc = await GrpcGreedyAsync();
        var model = await ModelIdAsync();

        using var response = await PostAsync(KeyA, Greedy(model: model));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var completion = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("chat.completion", (string?)completion["object"]);
        Assert.StartsWith("chatcmpl-", (string?)completion["id"]);
        Assert.Equal(model, (string?)completion["model"]);
        var choice = completion["choices"]!.AsArray().Single()!;
        Assert.Equal("assistant", (string?)choice["message"]!["role"]);
        Assert.Equal(grpc.Text, (string?)choice["message"]!["content"]);
        Assert.Equal(FinishReason(grpc), (string?)choice["finish_reason"]);
        var usage = completion["usage"]!;
        Assert.Equal(grpc.Started.PromptTokens, (int)usage["prompt_tokens"]!);
        Assert.Equal(grpc.Usage.CompletionTokens, (int)usage["completion_tokens"]!);
        Assert.Equal(grpc.Started.PromptTokens + grpc.Usage.CompletionTokens, (int)usage["total_tokens"]!);
    }

    [SkippableFact]
    public async Task A_stream_concatenates_to_the_same_text_reports_usage_and_ends_with_done()
    {
        await cluster.StartAsync();
        var grpc = await GrpcGreedyAsync();

        using var response = await PostAsync(KeyA, Greedy(stream: true));   // no model: the default one
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e));
        Assert.Equal("data: [DONE]", events[^1]);

        var chunks = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Single(chunks.Select(c => (string?)c["id"]).Distinct());
        var choices = chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => c["choices"]![0]!).ToList();
        Assert.Equal("assistant", (string?)choices[0]["delta"]!["role"]);
        Assert.Equal(grpc.Text, string.Concat(choices.Select(c => (string?)c["delta"]!["content"])));
        Assert.Equal([FinishReason(grpc)], choices.Select(c => (string?)c["finish_reason"]).Where(f => f is not null));
        Assert.NotNull(choices[^1]["finish_reason"]);

        // include_usage: one last chunk with no choices and the counts.
        var last = chunks[^1];
        Assert.Empty(last["choices"]!.AsArray());
        Assert.Equal(grpc.Started.PromptTokens, (int)last["usage"]!["prompt_tokens"]!);
        Assert.Equal(grpc.Usage.CompletionTokens, (int)last["usage"]!["completion_tokens"]!);
        Assert.Equal(grpc.Started.PromptTokens + grpc.Usage.CompletionTokens, (int)last["usage"]!["total_tokens"]!);
    }

    [SkippableFact]
    public async Task Models_lists_the_served_model_and_not_the_unserved_one()
    {
        await cluster.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { { "x-api-key", KeyB } } };
        using var response = await cluster.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var list = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("list", (string?)list["object"]);
        var model = list["data"]!.AsArray().Single()!;
        Assert.Equal(await ModelIdAsync(), (string?)model["id"]);
        Assert.Equal("model", (string?)model["object"]);
        Assert.Equal(65536, (int)model["context_length"]!);
    }

    [SkippableFact]
    public async Task Without_a_valid_key_the_answer_is_401_in_openai_shape()
    {
        await cluster.StartAsync();
        using var missing = await PostAsync(null, Greedy());
        var error = await ErrorAsync(missing, HttpStatusCode.Unauthorized, "invalid_api_key");
        Assert.Equal("authentication_error", (string?)error["type"]);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

        using var wrong = await cluster.Http.GetAsync("/v1/models");
        await ErrorAsync(wrong, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [SkippableFact]
    public async Task Bad_requests_are_400_with_the_reason()
    {
        await cluster.StartAsync();
        var cases = new (string Json, string Mentions)[]
        {
            ("""{"messages": []}""", "at least one message"),
            ("""{"messages": [{"role": "user", "content": ""}]}""", "messages[0].content is empty"),
            ("""{"messages": [{"role": "wizard", "content": "hi"}]}""", "messages[0].role 'wizard'"),
            ("""{"messages": [{"role": "user", "content": "hi"}], "temperature": -1}""", "Temperature"),
            ("""{"messages": [{"role": "user", "content": "hi"}], "max_tokens": 65537}""", "max_tokens is 65537"),
            ("""{"messages": [{"role": "user", "content": "hi"}], "n": 9}""", "n must be between 1 and 8"),
            ("""{"messages": "hi"}""", "not a valid request"),
            ("""{not json""", "not a valid request"),
        };
        foreach (var (json, mentions) in cases)
        {
            using var response = await SendAsync(KeyA, json);
            var error = await ErrorAsync(response, HttpStatusCode.BadRequest, "invalid_argument");
            Assert.Equal("invalid_request_error", (string?)error["type"]);
            Assert.Contains(mentions, (string?)error["message"]);
        }
    }

    [SkippableFact]
    public async Task A_prompt_over_the_context_is_400_context_length_exceeded()
    {
        await cluster.StartAsync();
        using var response = await PostAsync(KeyContext, Greedy(text: string.Concat(Enumerable.Repeat("word ", ContextAllowance)), maxTokens: 4));
        var error = await ErrorAsync(response, HttpStatusCode.BadRequest, "context_length_exceeded");
        Assert.Contains($"the tenant's context allowance holds {ContextAllowance}", (string?)error["message"]);
    }

    [SkippableFact]
    public async Task Unknown_and_unserved_models_are_404_and_503()
    {
        await cluster.StartAsync();
        using var unknown = await PostAsync(KeyA, Greedy(model: "no-such-model"));
        await ErrorAsync(unknown, HttpStatusCode.NotFound, "model_not_found");

        using var ghost = await PostAsync(KeyA, Greedy(model: GhostModel));
        var error = await ErrorAsync(ghost, HttpStatusCode.ServiceUnavailable, "model_unavailable");
        Assert.Contains(GhostModel, (string?)error["message"]);
    }

    [SkippableFact]
    public async Task Over_quota_is_429_with_retry_after()
    {
        await cluster.StartAsync();
        using var first = await PostAsync(KeyHttpRpm, Greedy(maxTokens: 1));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await PostAsync(KeyHttpRpm, Greedy(maxTokens: 1));
        var error = await ErrorAsync(second, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.Contains("1 requests per minute", (string?)error["message"]);
        Assert.InRange(second.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
    }
}
