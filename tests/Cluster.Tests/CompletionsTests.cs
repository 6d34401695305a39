using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// <c>POST /v1/completions</c>: the prompt continued as is — the engine's own greedy loop over the prompt's tokens with no
/// chat template — as JSON or streamed, with echo, logprobs and n; forms of prompt it does not take are 400.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CompletionsTests(ClusterFixture cluster)
{
    const string Prompt = "Once upon a time, in a small harbour town,";
    const int MaxTokens = 10;

    static JsonObject Body(JsonNode? prompt = null, bool stream = false) => new()
    {
        ["prompt"] = prompt ?? Prompt,
        ["temperature"] = 0,
        ["max_tokens"] = MaxTokens,
        ["stream"] = stream,
    };

    async Task<(HttpStatusCode Status, string Body)> PostAsync(JsonObject body, string? key = KeyA)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await cluster.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    async Task<JsonNode> CompleteAsync(JsonObject body)
    {
        var (status, text) = await PostAsync(body);
        Assert.True(status == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }

    (int[] Prompt, string Reply, int Tokens) Expected()
    {
        var prompt = cluster.Model.Tokenizer.Encode(Prompt, parseSpecial: true).ToArray();
        var (tokens, text) = EngineGreedy.Reply(cluster.Model, prompt, MaxTokens);
        return (prompt, text, tokens.Count);
    }

    [SkippableFact]
    public async Task A_completion_continues_the_raw_prompt_as_the_engine_does()
    {
        await cluster.StartAsync();
        var (prompt, reply, tokens) = Expected();

        var completion = await CompleteAsync(Body());
        Assert.Equal("text_completion", (string?)completion["object"]);
        Assert.StartsWith("cmpl-", (string?)completion["id"]);
        var choice = completion["choices"]!.AsArray().Single()!;
        Assert.Equal(reply, (string?)choice["text"]);
        Assert.Equal(0, (int)choice["index"]!);
        Assert.Null(choice["logprobs"]);
        Assert.Equal(tokens == MaxTokens ? "length" : "stop", (string?)choice["finish_reason"]);
        Assert.Equal(prompt.Length, (int)completion["usage"]!["prompt_tokens"]!);
        Assert.Equal(tokens, (int)completion["usage"]!["completion_tokens"]!);

        // a prompt given as an array of one string is the same prompt; echo puts it before the text
        Assert.Equal(reply, (string?)(await CompleteAsync(Body(new JsonArray(Prompt))))["choices"]![0]!["text"]);
        var echoed = Body();
        echoed["echo"] = true;
        Assert.Equal(Prompt + reply, (string?)(await CompleteAsync(echoed))["choices"]![0]!["text"]);
    }

    [SkippableFact]
    public async Task Streamed_pieces_add_up_to_the_completion_and_end_with_usage_and_done()
    {
        await cluster.StartAsync();
        var (_, reply, tokens) = Expected();
        var body = Body(stream: true);
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        var (status, events) = await PostAsync(body);
        Assert.Equal(HttpStatusCode.OK, status);

        var lines = events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", lines[^1]);
        var chunks = lines[..^1].Select(l => JsonNode.Parse(l["data: ".Length..])!).ToArray();
        Assert.All(chunks, c => Assert.Equal("text_completion", (string?)c["object"]));
        var pieces = chunks.SelectMany(c => c["choices"]!.AsArray()).ToArray();
        Assert.Equal(reply, string.Concat(pieces.Select(p => (string?)p!["text"])));
        Assert.Equal(tokens == MaxTokens ? "length" : "stop", (string?)pieces[^1]!["finish_reason"]);
        Assert.All(pieces[..^1], p => Assert.Null(p!["finish_reason"]));
        Assert.Equal(tokens, (int)chunks[^1]["usage"]!["completion_tokens"]!);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
    }

    [SkippableFact]
    public async Task Logprobs_list_each_token_with_its_offset_and_at_most_the_asked_alternatives()
    {
        await cluster.StartAsync();
        var (_, reply, _) = Expected();
        var body = Body();
        body["logprobs"] = 3;
        var choice = (await CompleteAsync(body))["choices"]![0]!;
        var logprobs = choice["logprobs"]!;
        var tokens = logprobs["tokens"]!.AsArray().Select(t => (string)t!).ToArray();
        Assert.Equal(reply, string.Concat(tokens));
        Assert.Equal(tokens.Length, logprobs["token_logprobs"]!.AsArray().Count);
        var offsets = logprobs["text_offset"]!.AsArray().Select(o => (int)o!).ToArray();
        for (int i = 0; i < tokens.Length; i++)
            Assert.Equal(string.Concat(tokens[..i]).Length, offsets[i]);
        foreach (var (top, logprob) in logprobs["top_logprobs"]!.AsArray().Zip(logprobs["token_logprobs"]!.AsArray()))
        {
            Assert.InRange(top!.AsObject().Count, 1, 3);
            Assert.True((double)logprob! <= 0);
            Assert.True(top.AsObject().Max(p => (double)p.Value!) >= (double)logprob! - 1e-6);   // greedy: the token is the likeliest
        }
    }

    [SkippableFact]
    public async Task N_raw_completions_are_the_choices_of_one_reply()
    {
        await cluster.StartAsync();
        var body = Body();
        body["n"] = 3;
        var (_, reply, _) = Expected();
        var choices = (await CompleteAsync(body))["choices"]!.AsArray();
        Assert.Equal([0, 1, 2], choices.Select(c => (int)c!["index"]!));
        Assert.All(choices, c => Assert.Equal(reply, (string?)c!["text"]));   // greedy: all alike
    }

    [SkippableFact]
    public async Task Prompts_it_does_not_take_and_bad_settings_are_400_naming_them()
    {
        await cluster.StartAsync();
        foreach (var (body, mentions) in new (JsonObject, string)[]
        {
            (Body(new JsonArray(1, 2, 3)), "token ids"),
            (Body(new JsonArray("a", "b")), "2 prompts"),
            (Body(new JsonArray()), "0 prompts"),
            (Body(JsonValue.Create(12)), "prompt must be a string"),
            (Body(""), "prompt is empty"),
            (new JsonObject { ["max_tokens"] = 3 }, "prompt is required"),
            (With(Body(), "logprobs", 6), "logprobs must be between 0 and 5"),
            (With(With(Body(), "logprobs", 1), "echo", true), "echo with logprobs"),
            (With(Body(), "suffix", "end"), "'suffix'"),
            (With(Body(), "n", 9), "n must be between 1 and 8"),
            (With(Body(), "temperature", "hot"), "temperature"),
        })
        {
            var (status, text) = await PostAsync(body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{body.ToJsonString()} → {(int)status} {text}");
            Assert.Contains(mentions, (string?)JsonNode.Parse(text)!["error"]!["message"]);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(Body(), key: null)).Status);
    }

    static JsonObject With(JsonObject body, string field, JsonNode? value)
    {
        body[field] = value;
        return body;
    }
}
