using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>OpenAI request fields the server does not map: harmless ones are accepted and change nothing, the rest are 400 by name.</summary>
[Collection(ClusterCollection.Name)]
public sealed class OpenAiFieldsTests(ClusterFixture cluster)
{
    static readonly JsonObject Plain = new()
    {
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello there!" }),
        ["temperature"] = 0,
        ["max_tokens"] = 6,
    };

    static JsonObject With(string field, string json)
    {
        var body = Plain.DeepClone().AsObject();
        body[field] = JsonNode.Parse(json);
        return body;
    }

    async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(JsonObject body)
    {
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    [SkippableFact]
    public async Task Fields_that_cannot_change_the_reply_are_accepted_and_change_nothing()
    {
        await cluster.StartAsync();
        var (_, plain) = await PostAsync(Plain);
        string Text(JsonNode completion) => (string)completion["choices"]![0]!["message"]!["content"]!;

        foreach (var (field, json) in new[]
        {
            ("user", "\"u-1\""), ("store", "false"), ("metadata", """{"team": "a"}"""), ("service_tier", "\"auto\""),
            ("safety_identifier", "\"s\""), ("prompt_cache_key", "\"k\""), ("prediction", """{"type": "content", "content": "x"}"""),
            ("response_format", """{"type": "text"}"""), ("modalities", """["text"]"""), ("logit_bias", "null"),
        })
        {
            var (status, completion) = await PostAsync(With(field, json));
            Assert.True(status == HttpStatusCode.OK, $"{field}: {completion}");
            Assert.Equal(Text(plain), Text(completion));
        }
    }

    [SkippableFact]
    public async Task Fields_that_would_change_the_reply_and_are_not_honoured_are_400_naming_them()
    {
        await cluster.StartAsync();
        foreach (var (field, json, mentions) in new[]
        {
            ("logit_bias", """{"15": 100}""", "'logit_bias' is not supported"),
            ("response_format", """{"type": "xml"}""", "response_format type 'xml' is not supported"),
            ("functions", """[{"name": "f"}]""", "'functions' is not supported; use tools"),
            ("audio", """{"voice": "alloy", "format": "wav"}""", "'audio' is not supported"),
            ("modalities", """["text", "audio"]""", "'modalities' is not supported"),
            ("min_tokens", "4", "'min_tokens' is not supported"),
            ("Temperature", "0.5", "'Temperature' is not supported"),
        })
        {
            var (status, body) = await PostAsync(With(field, json));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains(mentions, (string?)body["error"]!["message"]);
        }
    }
}
