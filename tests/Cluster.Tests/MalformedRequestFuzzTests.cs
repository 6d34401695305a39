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
/// Thousands of malformed requests from a fixed seed — valid bodies truncated, with bytes flipped, values of the wrong type,
/// huge numbers, deep nesting, invalid UTF-8, stray fields; random and mutated protobuf bytes as raw gRPC frames — at both
/// front doors. Each ends within its deadline with a 2xx/4xx (a mutation may still be valid) or a gRPC status other than
/// INTERNAL and UNKNOWN, with a message; afterwards both doors still answer a valid request.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MalformedRequestFuzzTests(ClusterFixture cluster)
{
    const int Seed = 20261202, HttpCases = 2400, GrpcCases = 1200;
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    static readonly string[] ChatBodies =
    [
        """{"model":"","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"max_tokens":2,"temperature":0}""",
        """{"messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"max_tokens":1,"seed":3,"stop":["x"],"logprobs":true,"top_logprobs":2,"n":2}""",
        """{"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"2"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"integer"}}}}}],"max_tokens":1,"stream":true,"stream_options":{"include_usage":true}}""",
    ];

    static readonly string[] CompletionBodies =
    [
        """{"prompt":"Once upon a time","max_tokens":2,"temperature":0,"echo":true}""",
        """{"prompt":["Hello"],"max_tokens":1,"logprobs":2,"n":2,"stream":true,"seed":5,"stop":"."}""",
    ];

    static readonly JsonNode?[] Odd =
    [
        null, JsonValue.Create(true), JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(1e300), JsonValue.Create(long.MaxValue),
        JsonValue.Create(""), JsonValue.Create("\u0000\uffff"), JsonValue.Create(new string('z', 300)), new JsonArray(), new JsonObject(),
        new JsonArray(JsonValue.Create(1), JsonValue.Create("a")), new JsonObject { ["type"] = "text" },
    ];

    static readonly string[] Fields =
    [
        "model", "messages", "prompt", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "min_p", "n", "seed",
        "stop", "stream", "stream_options", "logprobs", "top_logprobs", "echo", "tools", "tool_choice", "role", "content", "tool_calls",
        "response_format", "chat_template_kwargs", "reasoning_effort", "suffix", "best_of", "zzz", "\u00e9t\u00e9",
    ];

    [SkippableFact]
    public async Task Malformed_requests_at_both_doors_get_a_client_error_with_a_message_and_the_gateway_answers_on()
    {
        await cluster.StartAsync();
        var random = new Random(Seed);
        var http = new List<(string Path, byte[] Body)>();
        for (int i = 0; i < HttpCases; i++)
        {
            bool chat = random.Next(3) > 0;
            var bases = chat ? ChatBodies : CompletionBodies;
            http.Add((chat ? "/v1/chat/completions" : "/v1/completions", MutateJson(random, bases[random.Next(bases.Length)])));
        }
        var grpc = Enumerable.Range(0, GrpcCases).Select(_ => Short(MutateProtobuf(random))).ToList();

        var failures = new List<string>();
        int answered = 0;
        await Parallel.ForEachAsync(http, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (c, _) =>
        {
            var problem = await PostAsync(c.Path, c.Body);
            lock (failures) if (problem is not null) failures.Add($"{c.Path} {Shown(c.Body)} → {problem}");
        });
        await Parallel.ForEachAsync(grpc, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (body, _) =>
        {
            try
            {
                await RawCall.StreamChatAsync(cluster.Channel, body, Deadline);
                Interlocked.Increment(ref answered);
            }
            catch (RpcException e) when (e.StatusCode is not (StatusCode.Internal or StatusCode.Unknown or StatusCode.DeadlineExceeded) && e.Status.Detail.Length > 0) { }
            catch (RpcException e)
            {
                lock (failures) failures.Add($"gRPC {Convert.ToHexString(body)[..Math.Min(body.Length * 2, 200)]} → {e.Status}");
            }
        });
        Assert.True(failures.Count == 0, $"{failures.Count} requests failed badly:\n{string.Join("\n", failures.Take(20))}");

        // both doors still answer
        using var ok = await cluster.Http.SendAsync(Post("/v1/chat/completions", Encoding.UTF8.GetBytes(ChatBodies[0])));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var turn = await TurnResult.ReadAsync(cluster.Client.StreamChat(new ChatRequest
        {
            Messages = { new ChatMessage { Role = "user", Content = "Hi" } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 2 },
        }, Auth(KeyA)));
        Assert.Equal(2, turn.Usage.CompletionTokens);
    }

    /// <summary>A body for a failure's message: runs of one character shortened.</summary>
    static string Shown(byte[] body) =>
        new System.Text.RegularExpressions.Regex(@"(.)\1{19,}").Replace(Encoding.UTF8.GetString(body), m => $"{m.Groups[1].Value}×{m.Length}");

    /// <summary>Bytes that still parse as a request are given a short reply, so the run stays short.</summary>
    static byte[] Short(byte[] body)
    {
        ChatRequest request;
        try { request = ChatRequest.Parser.ParseFrom(body); }
        catch (InvalidProtocolBufferException) { return body; }
        if (request.Sampling is { HasMaxTokens: true, MaxTokens: <= 8 }) return body;
        request.Sampling ??= new SamplingParameters();
        request.Sampling.MaxTokens = 2;
        return request.ToByteArray();
    }

    static HttpRequestMessage Post(string path, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", KeyA);
        return request;
    }

    /// <summary>Null when the request ended as it should; else what was wrong.</summary>
    async Task<string?> PostAsync(string path, byte[] body)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            using var response = await cluster.Http.SendAsync(Post(path, body), deadline.Token);
            var text = await response.Content.ReadAsStringAsync(deadline.Token);
            int status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
                return text.Contains("\"error\"") && !text.Contains("[DONE]") ? $"a stream that failed: {text[..Math.Min(text.Length, 300)]}" : null;
            if (status is < 400 or >= 500) return $"{status} {text}";
            var message = (string?)JsonNode.Parse(text)?["error"]?["message"];
            return string.IsNullOrWhiteSpace(message) ? $"{status} without a message: {text}" : null;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return $"no answer within {Deadline.TotalSeconds} s";
        }
    }

    /// <summary>One random mutation of <paramref name="json"/>, as bytes.</summary>
    static byte[] MutateJson(Random random, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        switch (random.Next(9))
        {
            case 0: return bytes[..random.Next(bytes.Length)];   // truncated
            case 1:   // bytes flipped
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2:   // invalid UTF-8 inside a string
                int at = json.IndexOf('"', random.Next(json.Length)) is var q and >= 0 ? q + 1 : 1;
                return [.. bytes[..at], .. new[] { new byte[] { 0xC3, 0x28 }, [0xFF], [0xED, 0xA0, 0x80], [0xE2, 0x82] }[random.Next(4)], .. bytes[at..]];
            case 3:   // deep nesting
                int depth = random.Next(60, 3000);
                return Encoding.UTF8.GetBytes(json[..^1] + ",\"" + Fields[random.Next(Fields.Length)] + "\":" + new string('[', depth) + new string(']', depth) + "}");
            case 4:   // a huge number in place of one
                return Encoding.UTF8.GetBytes(new System.Text.RegularExpressions.Regex(@"(?<=:)\d+").Replace(json, random.Next(2) == 0 ? "1e999" : "123456789012345678901234567890", 1));
            default:   // the tree edited: a value replaced by an odd one, a field added or removed
                var node = JsonNode.Parse(json)!;
                for (int k = random.Next(1, 4); k > 0; k--) EditTree(random, node);
                // a body left valid must not ask for the server's default reply length: the run stays short
                if (node is JsonObject root && root["max_tokens"] is null) root["max_tokens"] = 2;
                return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
    }

    static void EditTree(Random random, JsonNode root)
    {
        var containers = new List<JsonNode>();
        void Walk(JsonNode? n)
        {
            if (n is JsonObject o) { containers.Add(o); foreach (var (_, v) in o) Walk(v); }
            else if (n is JsonArray a) { containers.Add(a); foreach (var v in a) Walk(v); }
        }
        Walk(root);
        var target = containers[random.Next(containers.Count)];
        var odd = Odd[random.Next(Odd.Length)]?.DeepClone();
        if (target is JsonObject obj)
        {
            var keys = obj.Select(p => p.Key).ToArray();
            switch (random.Next(3))
            {
                case 0 when keys.Length > 0: obj[keys[random.Next(keys.Length)]] = odd; break;
                case 1 when keys.Length > 0: obj.Remove(keys[random.Next(keys.Length)]); break;
                default: obj[Fields[random.Next(Fields.Length)]] = odd; break;
            }
        }
        else if (target is JsonArray arr)
        {
            if (arr.Count > 0 && random.Next(2) == 0) arr[random.Next(arr.Count)] = odd;
            else arr.Add(odd);
        }
    }

    /// <summary>Random bytes, or a valid ChatRequest's bytes mutated, or a ChatRequest with odd field values.</summary>
    static byte[] MutateProtobuf(Random random)
    {
        var valid = new ChatRequest
        {
            Messages = { new ChatMessage { Role = "user", Content = "Hi" } },
            Sampling = new SamplingParameters { Temperature = 0, MaxTokens = 2 },
        };
        switch (random.Next(4))
        {
            case 0:
                var noise = new byte[random.Next(0, 64)];
                random.NextBytes(noise);
                return noise;
            case 1:
                var bytes = valid.ToByteArray();
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return random.Next(3) == 0 ? bytes[..random.Next(bytes.Length)] : bytes;
            default:
                var odd = valid.Clone();
                switch (random.Next(8))
                {
                    case 0: odd.Messages[0].Role = new[] { "", "USER", "robot", "tool", "assistant\0" }[random.Next(5)]; break;
                    case 1: odd.Sampling.Temperature = new[] { -1, double.NaN, double.PositiveInfinity, 1e308 }[random.Next(4)]; break;
                    case 2: odd.Sampling.MaxTokens = new[] { int.MinValue, -1, 0, int.MaxValue }[random.Next(4)]; break;
                    case 3: odd.TopLogprobs = random.Next(-5, 40); break;
                    case 4: odd.XmlTools = new Tools { Json = { new[] { "{", "[]", "null", "{\"a\":" + new string('[', 300) }[random.Next(4)] } }; break;
                    case 5: odd.Messages.Add(new ChatMessage { Role = "assistant", ToolCalls = { new ToolCall { Id = "c", Name = "f", Arguments = "{oops" } } }); break;
                    case 6: odd.SessionId = Guid.NewGuid().ToString("N"); break;
                    default: odd.Sampling.TopP = new[] { 0, -0.5, 1.5 }[random.Next(3)]; break;
                }
                return odd.ToByteArray();
        }
    }
}
