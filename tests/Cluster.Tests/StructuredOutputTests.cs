using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using Json.Schema;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Structured output end to end on the random-weight model, which writes noise unconstrained: response_format and a
/// forced tool call come back valid (checked by JsonSchema.Net), a cut reply says "length", and what the silo
/// cannot enforce is refused by name. The many-seed sweep is the engine's (ConstrainedGenerationTests).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StructuredOutputTests(ClusterFixture cluster)
{
    const string Schema = """
        {"type":"object","properties":{"name":{"type":"string","maxLength":8},"age":{"type":"integer"},
         "color":{"enum":["red","green"]},"tags":{"type":"array","items":{"type":"boolean"},"minItems":1,"maxItems":2}},
         "required":["name","age","color","tags"],"additionalProperties":false}
        """;

    static readonly object[] Messages = [new { role = "user", content = "Describe a person." }];

    async Task<JsonNode> CompleteAsync(object body)
    {
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["choices"]![0]!;
    }

    static void AssertValid(string schema, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var result = JsonSchema.FromText(schema).Evaluate(doc.RootElement, new EvaluationOptions { RequireFormatValidation = true });
        Assert.True(result.IsValid, $"{json} does not validate against {schema}");
    }

    [SkippableFact]
    public async Task Json_schema_replies_validate_and_a_cut_one_says_length()
    {
        await cluster.StartAsync();
        var format = new { type = "json_schema", json_schema = new { name = "person", strict = true, schema = JsonNode.Parse(Schema) } };
        for (int seed = 0; seed < 3; seed++)
        {
            var choice = await CompleteAsync(new { messages = Messages, response_format = format, temperature = 1, seed, max_tokens = 200 });
            Assert.Equal("stop", (string?)choice["finish_reason"]);
            AssertValid(Schema, (string)choice["message"]!["content"]!);
        }
        var cut = await CompleteAsync(new { messages = Messages, response_format = format, temperature = 1, seed = 0, max_tokens = 3 });
        Assert.Equal("length", (string?)cut["finish_reason"]);
        var start = (string)cut["message"]!["content"]!;   // three tokens of the only way the object can begin
        Assert.True(start.Length > 0 && (start.StartsWith("{\"name\":") || "{\"name\":".StartsWith(start)), start);
    }

    [SkippableFact]
    public async Task Json_object_over_openai_and_a_schema_over_grpc()
    {
        await cluster.StartAsync();
        var choice = await CompleteAsync(new { messages = Messages, response_format = new { type = "json_object" }, temperature = 0, max_tokens = 400 });
        var content = (string)choice["message"]!["content"]!;
        if ((string?)choice["finish_reason"] == "stop") Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(content).RootElement.ValueKind);
        else Assert.StartsWith("{", content);

        var turn = await TurnResult.ReadAsync(cluster.Client.StreamChat(new ChatRequest
        {
            Model = (await cluster.Client.ListModelsAsync(new ListModelsRequest(), Auth(KeyA))).Models.Single().Id,
            Messages = { new ChatMessage { Role = "user", Content = "Describe a person." } },
            Sampling = new SamplingParameters { Temperature = 1, Seed = 7, MaxTokens = 200 },
            ResponseFormat = new ResponseFormat { JsonSchema = Schema },
        }, Auth(KeyA)));
        Assert.Equal(Contracts.V1.FinishReason.Stop, turn.Finished.Reason);
        AssertValid(Schema, turn.Text);
    }

    [SkippableFact]
    public async Task What_cannot_be_enforced_is_400_or_invalid_argument_naming_it()
    {
        await cluster.StartAsync();
        var pattern = new { type = "json_schema", json_schema = new { name = "p", schema = new { type = "string", pattern = "^a+$" } } };
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, new { messages = Messages, response_format = pattern }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("'pattern' is not supported", (string?)JsonNode.Parse(body)!["error"]!["message"]);

        var recursive = """{"$defs":{"node":{"type":"object","properties":{"next":{"$ref":"#/$defs/node"}}}},"$ref":"#/$defs/node"}""";
        var e = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(cluster.Client.StreamChat(new ChatRequest
        {
            Messages = { new ChatMessage { Role = "user", Content = "Hi" } },
            ResponseFormat = new ResponseFormat { JsonSchema = recursive },
        }, Auth(KeyA))));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("recursive $ref '#/$defs/node'", e.Status.Detail);
    }

    const string Weather = """{"type":"object","properties":{"city":{"type":"string","maxLength":12},"days":{"type":"integer"}},"required":["city"]}""";

    static readonly object[] Tools =
    [
        new { type = "function", function = new { name = "get_weather", description = "Weather in a city", parameters = JsonNode.Parse(Weather) } },
        new { type = "function", function = new { name = "get_time", description = "The time now", parameters = new { type = "object", properties = new { } } } },
    ];

    [SkippableFact]
    public async Task Tool_choice_required_or_named_replies_with_a_parsed_call()
    {
        await cluster.StartAsync();
        var weather = new { type = "function", function = new { name = "get_weather" } };
        foreach (var (choice, seed) in new (object, int)[] { ("required", 1), ("required", 2), (weather, 3) })
        {
            var reply = await CompleteAsync(new { messages = Messages, tools = Tools, tool_choice = choice, temperature = 1, seed, max_tokens = 200 });
            Assert.Equal("tool_calls", (string?)reply["finish_reason"]);
            var call = reply["message"]!["tool_calls"]!.AsArray().Single()!["function"]!;
            var name = (string)call["name"]!;
            if (choice == weather) Assert.Equal("get_weather", name);
            AssertValid(name == "get_weather" ? Weather : """{"type":"object","properties":{}}""", (string)call["arguments"]!);
        }
    }
}
