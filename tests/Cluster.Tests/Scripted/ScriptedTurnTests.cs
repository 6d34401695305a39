using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests.Scripted;

/// <summary>
/// Replies fixed by a scripted model, over real gRPC and HTTP: reasoning is flagged and its tags never sent, a
/// prompt that opens &lt;think&gt; starts in reasoning, tool calls arrive parsed, a stop string split across
/// tokens is never sent, max_tokens ends the reply at exactly that many tokens, and stateless turns store nothing.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class ScriptedTurnTests(ScriptedClusterFixture cluster) : IClassFixture<ScriptedClusterFixture>
{
    const string ToolCallReply = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>";

    /// <summary>Everything one StreamChat call sent.</summary>
    sealed record Reply(IReadOnlyList<ChatEvent> Events)
    {
        public TurnResult Turn { get; } = TurnResult.From(Events);
        public string Reasoning => string.Concat(Events.Where(e => e.Delta is { Reasoning: true }).Select(e => e.Delta.Text));
        public string Answer => string.Concat(Events.Where(e => e.Delta is { Reasoning: false }).Select(e => e.Delta.Text));
        public IEnumerable<string> Texts => Events.Where(e => e.Delta is not null).Select(e => e.Delta.Text);
        public IReadOnlyList<ToolCall> ToolCalls => [.. Events.Where(e => e.ToolCall is not null).Select(e => e.ToolCall)];
    }

    async Task<Reply> ChatAsync(string script, ChatRequest request)
    {
        await cluster.StartAsync();
        cluster.Scripted.Script = cluster.Tokens(script);
        var events = new List<ChatEvent>();
        using var call = cluster.Client.StreamChat(request, Auth(KeyA));
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return new Reply(events);
    }

    async Task<string> NewSessionAsync()
    {
        await cluster.StartAsync();
        return (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
    }

    static ChatRequest Turn(string session, string text, bool thinking = false, int maxTokens = 64, params string[] stop)
    {
        var request = ChatRequests.Greedy(session, text, maxTokens);
        request.Thinking = thinking;
        request.Sampling.Stop.AddRange(stop);
        return request;
    }

    [SkippableFact]
    public async Task Reasoning_is_flagged_and_its_tags_are_never_sent_and_the_next_turn_reuses_the_whole_reply()
    {
        var session = await NewSessionAsync();
        var first = await ChatAsync("<think>\nPlan it.\n</think>\nThe answer.<|im_end|>", Turn(session, "Question?"));

        Assert.Equal(FinishReason.Stop, first.Turn.Finished.Reason);
        Assert.Equal("\nPlan it.\n", first.Reasoning);
        Assert.Equal("\nThe answer.", first.Answer);
        Assert.DoesNotContain(first.Texts, t => t.Contains("think>"));

        // The stored reply renders back as generated, so the follow-up prompt extends every cached token.
        var second = await ChatAsync("Again.<|im_end|>", Turn(session, "And?"));
        Assert.Equal(FollowUp.CachedTokens(first.Turn.Usage.PromptTokens, first.Turn.Usage.CompletionTokens), second.Turn.Started.CachedTokens);
        Assert.Equal("Again.", second.Answer);
    }

    [SkippableFact]
    public async Task A_prompt_that_opens_the_think_block_starts_in_reasoning()
    {
        var session = await NewSessionAsync();
        var first = await ChatAsync("Plan it.</think>The answer.<|im_end|>", Turn(session, "Question?", thinking: true));

        Assert.Equal("Plan it.", first.Reasoning);
        Assert.Equal("The answer.", first.Answer);
        Assert.DoesNotContain(first.Texts, t => t.Contains("think>"));

        var second = await ChatAsync("More.</think>Done.<|im_end|>", Turn(session, "And?", thinking: true));
        Assert.Equal(FollowUp.CachedTokens(first.Turn.Usage.PromptTokens, first.Turn.Usage.CompletionTokens), second.Turn.Started.CachedTokens);
        Assert.Equal(("More.", "Done."), (second.Reasoning, second.Answer));
    }

    [SkippableFact]
    public async Task A_tool_call_arrives_parsed_and_its_markup_is_not_sent()
    {
        var reply = await ChatAsync(ToolCallReply, Turn(await NewSessionAsync(), "Weather in Paris?"));

        var call = Assert.Single(reply.ToolCalls);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal("get_weather", call.Name);
        Assert.Equal("Paris", (string?)JsonNode.Parse(call.Arguments)!["city"]);
        Assert.Equal("", string.Concat(reply.Texts));
        Assert.Equal(FinishReason.Stop, reply.Turn.Finished.Reason);
    }

    [SkippableFact]
    public async Task A_stop_string_split_across_tokens_ends_the_reply_and_none_of_it_is_sent()
    {
        const string script = "alpha beta gamma delta<|im_end|>";
        await cluster.StartAsync();
        var pieces = cluster.Tokens(script).Select(t => cluster.Model.Tokenizer.Decode([t])).ToArray();
        Assert.True(pieces.Length >= 4 && pieces[1].Length >= 2 && pieces[2].Length >= 2, string.Join("|", pieces));
        var stop = pieces[1][^1..] + pieces[2][..2];   // from the end of one token into the next

        var reply = await ChatAsync(script, Turn(await NewSessionAsync(), "Go", stop: stop));

        Assert.Equal(FinishReason.Stop, reply.Turn.Finished.Reason);
        Assert.Equal(pieces[0] + pieces[1][..^1], reply.Turn.Text);
    }

    [SkippableFact]
    public async Task A_reply_that_reaches_max_tokens_ends_with_exactly_that_many()
    {
        var script = string.Join(" ", Enumerable.Range(1, 40).Select(i => $"word{i}"));
        var reply = await ChatAsync(script, Turn(await NewSessionAsync(), "Count", maxTokens: 5));

        Assert.Equal(FinishReason.Length, reply.Turn.Finished.Reason);
        Assert.Equal(5, reply.Turn.Usage.CompletionTokens);
        Assert.Equal(cluster.Model.Tokenizer.Decode(cluster.Tokens(script)[..5]), reply.Turn.Text);
    }

    [SkippableFact]
    public async Task Stateless_turns_answer_and_leave_nothing_stored()
    {
        await cluster.StartAsync();
        await NewSessionAsync();   // a session is stored, so the folder check below can see files appear
        var before = StoredFiles();
        Assert.NotEmpty(before);

        var grpc = await ChatAsync("<think>Hm.</think>Stateless.<|im_end|>", Turn("", "Hi"));
        Assert.Equal(("Hm.", "Stateless."), (grpc.Reasoning, grpc.Answer));
        Assert.Equal("", grpc.Turn.Started.SessionId);

        var completion = await CompleteAsync(new { messages = new[] { new { role = "user", content = "Hi" } }, temperature = 0 });
        var message = completion["choices"]![0]!["message"]!;
        Assert.Equal(("Stateless.", "Hm."), ((string?)message["content"], (string?)message["reasoning_content"]));

        Assert.Equal(before, StoredFiles());
    }

    [SkippableFact]
    public async Task The_openai_api_returns_tool_calls_in_its_own_shape()
    {
        await cluster.StartAsync();
        cluster.Scripted.Script = cluster.Tokens(ToolCallReply);
        var messages = new[] { new { role = "user", content = "Weather in Paris?" } };

        var choice = (await CompleteAsync(new { messages, temperature = 0 }))["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        Assert.Null(choice["message"]!["content"]);
        var call = choice["message"]!["tool_calls"]!.AsArray().Single()!;
        AssertCall(call);

        // Streaming, as OpenAI streams a call: its index, id, type and name first (arguments empty), then the arguments;
        // the last chunk says why it ended.
        var chunks = await StreamAsync(new { messages, temperature = 0, stream = true });
        var streamed = chunks.SelectMany(c => c["choices"]!.AsArray()).ToList();
        var pieces = streamed.Where(c => c!["delta"]!["tool_calls"] is not null).Select(c => c!["delta"]!["tool_calls"]!.AsArray().Single()!).ToList();
        Assert.All(pieces, p => Assert.Equal(0, (int?)p["index"]));
        Assert.Equal("", (string?)pieces[0]["function"]!["arguments"]);
        Assert.All(pieces.Skip(1), p => Assert.Null(p["id"]));
        var deltaCall = pieces[0].DeepClone();
        deltaCall["function"]!["arguments"] = string.Concat(pieces.Select(p => (string?)p["function"]!["arguments"]));
        AssertCall(deltaCall);
        Assert.Equal(["tool_calls"], streamed.Select(c => (string?)c!["finish_reason"]).Where(f => f is not null));

        static void AssertCall(JsonNode call)
        {
            Assert.StartsWith("call_", (string?)call["id"]);
            Assert.Equal("function", (string?)call["type"]);
            Assert.Equal("get_weather", (string?)call["function"]!["name"]);
            Assert.Equal("Paris", (string?)JsonNode.Parse((string)call["function"]!["arguments"]!)!["city"]);
        }
    }

    [SkippableFact]
    public async Task Openai_thinking_follows_chat_template_kwargs_and_reasoning_effort()
    {
        await cluster.StartAsync();
        cluster.Scripted.Script = cluster.Tokens("Plan.</think>Done.<|im_end|>");
        var messages = new[] { new { role = "user", content = "Go" } };
        int PromptTokens(bool thinking) => cluster.Tokens(cluster.Model.Renderer.Render([new("user", "Go")], thinking)).Length;
        Assert.NotEqual(PromptTokens(true), PromptTokens(false));   // (the template opens <think> when thinking)

        var cases = new (object Body, bool Thinking)[]
        {
            (new { messages }, false),
            (new { messages, chat_template_kwargs = new { enable_thinking = true } }, true),
            (new { messages, chat_template_kwargs = new { enable_thinking = false } }, false),
            (new { messages, reasoning_effort = "high" }, true),
            (new { messages, reasoning_effort = "medium" }, true),
            (new { messages, reasoning_effort = "low" }, false),
            (new { messages, reasoning_effort = "none" }, false),
            (new { messages, reasoning_effort = "high", chat_template_kwargs = new { enable_thinking = true } }, true),
        };
        foreach (var (body, thinking) in cases)
        {
            var completion = await CompleteAsync(body);
            Assert.Equal(PromptTokens(thinking), (int)completion["usage"]!["prompt_tokens"]!);
            if (thinking) Assert.Equal("Plan.", (string?)completion["choices"]![0]!["message"]!["reasoning_content"]);
        }

        var refused = new (object Body, string Mentions)[]
        {
            (new { messages, reasoning_effort = "low", chat_template_kwargs = new { enable_thinking = true } }, "contradicts reasoning_effort 'low'"),
            (new { messages, reasoning_effort = "extreme" }, "reasoning_effort 'extreme' is not one of"),
            (new { messages, chat_template_kwargs = new { enable_thinking = "yes" } }, "enable_thinking must be true or false"),
            (new { messages, chat_template_kwargs = new { xml_tools = "[]" } }, "chat_template_kwargs.xml_tools is not supported"),
        };
        foreach (var (body, mentions) in refused)
        {
            using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(mentions, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]);
        }
    }

    string[] StoredFiles() =>
        Directory.Exists(cluster.DataFolder) ? [.. Directory.EnumerateFiles(cluster.DataFolder, "*", SearchOption.AllDirectories).Order()] : [];

    async Task<HttpResponseMessage> PostAsync(object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyA);
        var response = await cluster.Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return response;
    }

    async Task<JsonNode> CompleteAsync(object body)
    {
        using var response = await PostAsync(body);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    async Task<List<JsonNode>> StreamAsync(object body)
    {
        using var response = await PostAsync(body);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ")).Select(l => l["data: ".Length..]);
        return [.. lines.Where(l => l != "[DONE]").Select(l => JsonNode.Parse(l)!)];
    }
}
