using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Requests outside the gateway's bounds or not well formed, at both front doors: each is refused with 400 / 413 or a
/// non-INTERNAL gRPC status whose message says what is wrong, never a 500 or a hang.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RequestBoundsTests(ClusterFixture cluster)
{
    const int MaxRequestBytes = 4 * 1024 * 1024, MaxTools = 128, MaxMessages = 1024;

    static readonly string Valid = """{"messages":[{"role":"user","content":"Hi"}],"max_tokens":2,"temperature":0}""";

    async Task<(HttpStatusCode Status, string Message)> PostAsync(string path, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyA);
        using var response = await cluster.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, (string?)JsonNode.Parse(text)?["error"]?["message"] ?? text);
    }

    static string Tools(int count) =>
        "[" + string.Join(",", Enumerable.Range(0, count).Select(i => "{\"type\":\"function\",\"function\":{\"name\":\"f" + i + "\",\"parameters\":{\"type\":\"object\"}}}")) + "]";

    [SkippableFact]
    public async Task Bad_http_bodies_are_400_or_413_naming_what_is_wrong()
    {
        await cluster.StartAsync();
        // the first ones are wrong for either door; from "lone surrogate" on, the fields are chat's
        var cases = new (string Name, byte[] Body, HttpStatusCode Status, string Mentions)[]
        {
            ("truncated", Encoding.UTF8.GetBytes(Valid[..20]), HttpStatusCode.BadRequest, "not a valid request"),
            ("empty", [], HttpStatusCode.BadRequest, "not a valid request"),
            ("null", "null"u8.ToArray(), HttpStatusCode.BadRequest, "must be a JSON object"),
            ("wrong type", Encoding.UTF8.GetBytes(Valid.Replace("\"max_tokens\":2", "\"max_tokens\":\"two\"")), HttpStatusCode.BadRequest, "max_tokens"),
            ("huge number", Encoding.UTF8.GetBytes(Valid.Replace("\"max_tokens\":2", "\"max_tokens\":99999999999999999999")), HttpStatusCode.BadRequest, "max_tokens"),
            ("invalid UTF-8", [.. Encoding.UTF8.GetBytes(Valid[..40]), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(Valid[40..])], HttpStatusCode.BadRequest, "not valid UTF-8"),
            ("over the size bound", Encoding.UTF8.GetBytes(Valid.Replace("Hi", new string('a', MaxRequestBytes))), HttpStatusCode.RequestEntityTooLarge, $"larger than the {MaxRequestBytes} bytes"),
            ("deep", Encoding.UTF8.GetBytes(Valid.Replace("\"temperature\":0", "\"metadata\":" + new string('[', 200) + new string(']', 200))), HttpStatusCode.BadRequest, "depth"),
            ("lone surrogate", Encoding.UTF8.GetBytes(Valid.Replace("Hi", "\\ud800")), HttpStatusCode.BadRequest, "not a valid request"),
            ("null message", Encoding.UTF8.GetBytes(Valid.Replace("[{\"role\"", "[null,{\"role\"")), HttpStatusCode.BadRequest, "messages[0] must be an object"),
            ("null tool", Encoding.UTF8.GetBytes(Valid.Replace("\"temperature\":0", "\"tools\":[null]")), HttpStatusCode.BadRequest, "tools[0].type"),
            ("too many tools", Encoding.UTF8.GetBytes(Valid.Replace("\"temperature\":0", "\"tools\":" + Tools(MaxTools + 1))), HttpStatusCode.BadRequest, $"more than the {MaxTools}"),
            ("call arguments not JSON", Encoding.UTF8.GetBytes(Valid.Replace("[{\"role\":\"user\",\"content\":\"Hi\"}]",
                """[{"role":"user","content":"Hi"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{oops"}}]},{"role":"tool","tool_call_id":"c1","content":"1"}]""")),
                HttpStatusCode.BadRequest, "messages[1].tool_calls[0].function.arguments is not valid JSON"),
        };
        int bothDoors = Array.FindIndex(cases, c => c.Name == "lone surrogate");
        foreach (var path in new[] { "/v1/chat/completions", "/v1/completions" })
            foreach (var (name, body, status, mentions) in path == "/v1/completions" ? cases[..bothDoors] : cases)
            {
                var (got, message) = await PostAsync(path, body);
                Assert.True(got == status, $"{path} {name}: {(int)got} {message}");
                Assert.Contains(mentions, message);
            }

        // and the gateway answers on
        var (ok, text) = await PostAsync("/v1/chat/completions", Encoding.UTF8.GetBytes(Valid));
        Assert.True(ok == HttpStatusCode.OK, text);
    }

    static ChatRequest Stateless(int messages = 1) => new()
    {
        Messages = { Enumerable.Range(0, messages).Select(_ => new ChatMessage { Role = "user", Content = "Hi" }) },
        Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 2 },
    };

    async Task<RpcException> RefusedAsync(ChatRequest request)
    {
        using var call = cluster.Client.StreamChat(request, Auth(KeyA), deadline: DateTime.UtcNow.AddSeconds(60));
        return await Assert.ThrowsAsync<RpcException>(async () => { await foreach (var _ in call.ResponseStream.ReadAllAsync()) { } });
    }

    [SkippableFact]
    public async Task Bad_grpc_requests_get_a_status_naming_what_is_wrong()
    {
        await cluster.StartAsync();
        var tooMany = await RefusedAsync(Stateless(MaxMessages + 1));
        Assert.Equal(StatusCode.InvalidArgument, tooMany.StatusCode);
        Assert.Contains($"more than the {MaxMessages}", tooMany.Status.Detail);

        var tools = Stateless();
        tools.XmlTools = new Tools { Json = { Enumerable.Range(0, MaxTools + 1).Select(i => $$"""{"name":"f{{i}}"}""") } };
        Assert.Contains($"more than the {MaxTools}", (await RefusedAsync(tools)).Status.Detail);

        foreach (var (mutate, mentions) in new (Action<ChatRequest>, string)[]
        {
            (r => r.Messages[0].Role = "robot", "role 'robot'"),
            (r => r.Messages[0].Content = "", "content is empty"),
            (r => r.Messages.Add(new ChatMessage { Role = "tool", Content = "1" }), "tool_call_id is required"),
            (r => r.Messages.Add(new ChatMessage { Role = "tool", Content = "1", ToolCallId = new string('x', 300) }), "tool_call_id"),
            (r => r.Messages.Add(new ChatMessage { Role = "assistant", ToolCalls = { new ToolCall { Id = "", Name = "f", Arguments = "{}" } } }), "id is required"),
            (r => r.Messages.Add(new ChatMessage { Role = "assistant", ToolCalls = { new ToolCall { Id = "c\n1", Name = "f", Arguments = "{}" } } }), "control character"),
            (r => r.Sampling.Temperature = -1, "Temperature"),
            (r => r.Sampling.TopP = 2, "TopP"),
            (r => r.Sampling.RepetitionPenalty = double.NaN, "RepetitionPenalty"),
            (r => r.Sampling.MaxTokens = -3, "MaxTokens"),
            (r => r.TopLogprobs = 21, "top_logprobs"),
        })
        {
            var request = Stateless();
            mutate(request);
            var refused = await RefusedAsync(request);
            Assert.True(refused.StatusCode == StatusCode.InvalidArgument, $"{request}: {refused.Status}");
            Assert.Contains(mentions, refused.Status.Detail);
        }

        // a message over the receive bound is refused by size
        var huge = Stateless();
        huge.Messages[0].Content = new string('a', MaxRequestBytes);
        Assert.Equal(StatusCode.ResourceExhausted, (await RefusedAsync(huge)).StatusCode);

        // bytes that are no ChatRequest at all
        var garbage = await Assert.ThrowsAsync<RpcException>(() => RawCall.StreamChatAsync(cluster.Channel, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x12], TimeSpan.FromSeconds(30)));
        Assert.NotEqual(StatusCode.Internal, garbage.StatusCode);
        Assert.False(string.IsNullOrEmpty(garbage.Status.Detail));

        Assert.Equal(2, (await TurnResult.ReadAsync(cluster.Client.StreamChat(Stateless(), Auth(KeyA)))).Usage.CompletionTokens);
    }
}

/// <summary>StreamChat with a request body of raw bytes, framed by gRPC but not necessarily a ChatRequest.</summary>
static class RawCall
{
    static readonly Method<byte[], byte[]> StreamChat = new(MethodType.ServerStreaming, "smollm3.v1.Chat", "StreamChat",
        Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

    /// <summary>Reads the whole reply; throws the call's RpcException if it ends other than OK.</summary>
    public static async Task<int> StreamChatAsync(Grpc.Net.Client.GrpcChannel channel, byte[] body, TimeSpan deadline)
    {
        using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(StreamChat, null,
            new CallOptions(Auth(KeyA), DateTime.UtcNow + deadline), body);
        int events = 0;
        await foreach (var _ in call.ResponseStream.ReadAllAsync()) events++;
        return events;
    }
}
