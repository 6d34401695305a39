using System.ClientModel;
using System.Text.Json.Nodes;
using Grpc.Core;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatMessage = SmolLM3.Contracts.V1.ChatMessage;

namespace SmolLM3.Cluster.Tests.Scripted;

/// <summary>
/// A whole tool round trip (call → the tool's result → the final answer) through SmolLM3's own chat template, with a
/// scripted model that calls get_weather until its prompt holds the tool's result: over the official OpenAI .NET SDK
/// (plain and streamed), Microsoft.Extensions.AI's function-invoking client, and gRPC with and without a session.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class ToolRoundTripTests(SmolLM3TemplateClusterFixture cluster) : IClassFixture<SmolLM3TemplateClusterFixture>
{
    const string Call = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
    const string Answer = "It is 11 degrees in Paris.";
    const string Result = "{\"temp_c\": 11, \"summary\": \"11 degrees\"}";
    const string WeatherFunction = """{"name": "get_weather", "description": "Current weather in a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}""";

    /// <summary>The text of the last prompt (and reply so far) the model was fed.</summary>
    string _seen = "";

    async Task StartAsync()
    {
        await cluster.StartAsync();
        int[] call = cluster.Tokens(Call + "<|im_end|>"), answer = cluster.Tokens(Answer + "<|im_end|>");
        cluster.Scripted.ScriptFor = fed =>
        {
            _seen = cluster.Model.Tokenizer.Decode(fed);
            return _seen.Contains("11 degrees") ? answer : call;
        };
    }

    ChatClient OpenAiClient() => new(cluster.Model.Info.Id, new ApiKeyCredential(KeyA),
        new OpenAIClientOptions { Endpoint = new Uri(cluster.Http.BaseAddress!, "/v1") });

    static ChatCompletionOptions WithWeatherTool() => new()
    {
        Temperature = 0,
        Tools = { ChatTool.CreateFunctionTool("get_weather", "Current weather in a city", BinaryData.FromString(
            """{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}""")) },
    };

    [SkippableFact]
    public async Task The_openai_sdk_gets_a_call_sends_its_result_and_gets_the_answer()
    {
        await StartAsync();
        var client = OpenAiClient();
        List<OpenAI.Chat.ChatMessage> messages = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await client.CompleteChatAsync(messages, WithWeatherTool());
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        var call = Assert.Single(first.ToolCalls);
        Assert.StartsWith("call_", call.Id);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", (string?)JsonNode.Parse(call.FunctionArguments.ToString())!["city"]);
        Assert.Contains("<tools>", _seen);   // the definition reached SmolLM3's xml_tools
        Assert.Contains("\"get_weather\"", _seen);

        messages.Add(new AssistantChatMessage(first));
        messages.Add(new ToolChatMessage(call.Id, Result));
        ChatCompletion second = await client.CompleteChatAsync(messages, WithWeatherTool());
        Assert.Equal(ChatFinishReason.Stop, second.FinishReason);
        Assert.Equal(Answer, second.Content.Single().Text);
        Assert.Empty(second.ToolCalls);
        // The call came back as SmolLM3 writes calls, the result as the template's tool turn.
        Assert.Contains("<think>\n\n</think>\n" + Call + "<|im_end|>\n<|im_start|>user\n" + Result + "<|im_end|>", _seen);
    }

    [SkippableFact]
    public async Task A_streamed_call_comes_as_openai_streams_it_id_and_name_first_then_arguments()
    {
        await StartAsync();
        var updates = new List<StreamingChatToolCallUpdate>();
        ChatFinishReason? finish = null;
        await foreach (var update in OpenAiClient().CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], WithWeatherTool()))
        {
            updates.AddRange(update.ToolCallUpdates);
            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.All(updates, u => Assert.Equal(0, u.Index));
        Assert.StartsWith("call_", updates[0].ToolCallId);
        Assert.Equal("get_weather", updates[0].FunctionName);
        Assert.All(updates.Skip(1), u => Assert.Null(u.FunctionName));
        var arguments = string.Concat(updates.Select(u => u.FunctionArgumentsUpdate?.ToString()));
        Assert.Equal("Paris", (string?)JsonNode.Parse(arguments)!["city"]);
    }

    [SkippableFact]
    public async Task The_function_invoking_chat_client_runs_the_tool_and_returns_the_answer()
    {
        await StartAsync();
        var cities = new List<string>();
        var weather = AIFunctionFactory.Create((string city) => { cities.Add(city); return "11 degrees"; }, "get_weather", "Current weather in a city");
        using IChatClient client = OpenAiClient().AsIChatClient().AsBuilder().UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync("Weather in Paris?", new ChatOptions { Tools = [weather], Temperature = 0 });

        Assert.Equal(["Paris"], cities);
        Assert.Equal(Answer, response.Text);
    }

    [SkippableFact]
    public async Task A_grpc_session_keeps_the_call_and_the_result_in_its_transcript()
    {
        await StartAsync();
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        var ask = ChatRequests.Greedy(session, "Weather in Paris?", 64);
        ask.Thinking = false;
        ask.XmlTools = new Tools { Json = { WeatherFunction } };
        var first = await ReadAsync(ask);
        var call = Assert.Single(first.Calls);
        Assert.Equal("get_weather", call.Name);

        var result = new ChatRequest
        {
            SessionId = session,
            Messages = { new ChatMessage { Role = "tool", ToolCallId = call.Id, Content = Result } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 64 },
        };
        var second = await ReadAsync(result);
        Assert.Equal(Answer, second.Turn.Text);
        Assert.Empty(second.Calls);
        // The next prompt extends every token of the first turn: the call stayed in the transcript as generated.
        Assert.Equal(FollowUp.CachedTokens(first.Turn.Started.PromptTokens, first.Turn.Usage.CompletionTokens), second.Turn.Started.CachedTokens);
        Assert.Contains(Call + "<|im_end|>\n<|im_start|>user\n" + Result + "<|im_end|>", _seen);
        var info = await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA));
        Assert.Equal(4, info.MessageCount);   // user, assistant (the call), tool, assistant
    }

    [SkippableFact]
    public async Task A_stateless_grpc_turn_takes_an_assistant_call_and_its_result()
    {
        await StartAsync();
        var request = ChatRequests.Greedy("", "Weather in Paris?", 64);
        request.Thinking = false;
        request.Messages.Add(new ChatMessage
        {
            Role = "assistant",
            ToolCalls = { new Contracts.V1.ToolCall { Id = "call_1", Name = "get_weather", Arguments = """{"city": "Paris"}""" } },
        });
        request.Messages.Add(new ChatMessage { Role = "tool", ToolCallId = "call_1", Content = Result });

        var reply = await ReadAsync(request);

        Assert.Equal(Answer, reply.Turn.Text);
        Assert.Contains(Call + "<|im_end|>\n<|im_start|>user\n" + Result, _seen);
    }

    [SkippableFact]
    public async Task Tool_messages_and_calls_that_are_malformed_are_invalid_argument()
    {
        await StartAsync();
        var noId = ChatRequests.Greedy("", "Hi", 4);
        noId.Messages.Add(new ChatMessage { Role = "tool", Content = Result });
        var badArguments = ChatRequests.Greedy("", "Hi", 4);
        badArguments.Messages.Add(new ChatMessage { Role = "assistant", ToolCalls = { new Contracts.V1.ToolCall { Id = "c", Name = "f", Arguments = "{city: Paris" } } });
        foreach (var (request, mentions) in new[] { (noId, "messages[1].tool_call_id is required"), (badArguments, "messages[1].tool_calls[0].function.arguments is not valid JSON") })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(request));
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains(mentions, e.Status.Detail);
        }
    }

    [SkippableFact]
    public async Task Tool_choice_none_hides_the_tools_and_leaves_call_text_as_content()
    {
        await StartAsync();
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, new
        {
            messages = new[] { new { role = "user", content = "Weather in Paris?" } },
            tools = new[] { new { type = "function", function = JsonNode.Parse(WeatherFunction) } },
            tool_choice = "none",
            temperature = 0,
        }));
        var choice = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!;

        Assert.Equal("stop", (string?)choice["finish_reason"]);
        Assert.Equal(Call, (string?)choice["message"]!["content"]);
        Assert.Null(choice["message"]!["tool_calls"]);
        Assert.DoesNotContain("<tools>", _seen);
    }

    [SkippableFact]
    public async Task Openai_tool_requests_it_cannot_honour_are_400_naming_what()
    {
        await StartAsync();
        var user = new { role = "user", content = "Hi" };
        var tools = new[] { new { type = "function", function = JsonNode.Parse(WeatherFunction) } };
        var cases = new (object Body, string Mentions)[]
        {
            (new { messages = new[] { user }, tool_choice = "required" }, "tool_choice \"required\" needs tools"),
            (new { messages = new[] { user }, tools, tool_choice = new { type = "function", function = new { name = "get_time" } } }, "names function 'get_time', which is not among the tools"),
            (new { messages = new[] { user }, tools = new[] { new { type = "retrieval" } } }, "tools[0].type must be \"function\""),
            (new { messages = new object[] { user, new { role = "tool", content = "11" } } }, "messages[1].tool_call_id is required"),
            (new { messages = new object[] { user, new { role = "assistant", tool_calls = new[] { new { id = "c", type = "function", function = new { name = "f", arguments = "{no" } } } } } },
                "messages[1].tool_calls[0].function.arguments is not valid JSON"),
        };
        foreach (var (body, mentions) in cases)
        {
            using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, text);
            Assert.Contains(mentions, (string?)JsonNode.Parse(text)!["error"]!["message"]);
        }
    }

    sealed record Reply(TurnResult Turn, IReadOnlyList<Contracts.V1.ToolCall> Calls);

    async Task<Reply> ReadAsync(ChatRequest request)
    {
        var events = new List<ChatEvent>();
        using var call = cluster.Client.StreamChat(request, Auth(KeyA));
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return new Reply(TurnResult.From(events), [.. events.Where(e => e.ToolCall is not null).Select(e => e.ToolCall)]);
    }
}
