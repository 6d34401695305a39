using System.Net;
using System.Text.Json.Nodes;
using Grpc.Core;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Generation;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Log-probabilities of generated tokens, from the batched scheduler: the log-softmax of the very logits each token was
/// sampled from, checked against the engine scoring the same prompt and tokens itself; the same over gRPC and OpenAI.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class LogprobsTests(ClusterFixture cluster)
{
    const string Prompt = "Tell me about the sea.";

    static ChatRequest Request(int top, double temperature = 0, int maxTokens = 10)
    {
        var request = ChatRequests.Greedy("", Prompt, maxTokens);
        request.Thinking = false;
        request.Sampling.Temperature = temperature;
        request.Sampling.Seed = 11;
        request.TopLogprobs = top;
        return request;
    }

    async Task<(TurnResult Turn, List<TokenLogprob> Tokens)> GrpcAsync(ChatRequest request)
    {
        var events = new List<ChatEvent>();
        using var call = cluster.Client.StreamChat(request, Auth(KeyA));
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        return (TurnResult.From(events), [.. events.Where(e => e.Delta is not null).SelectMany(e => e.Delta.Logprobs)]);
    }

    [SkippableFact]
    public async Task Sampled_tokens_carry_the_log_softmax_of_the_logits_they_were_drawn_from_in_a_batch()
    {
        await cluster.StartAsync();
        // Three turns at once share batch steps, so each token's row must be its own sequence's. The temperature scales
        // what is sampled, not what is reported: the model's own distribution (as OpenAI and vLLM report it).
        string[] prompts = [Prompt, "Count to ten.", "Name three colours of the rainbow, please."];
        var turns = await Task.WhenAll(prompts.Select(p =>
        {
            var request = Request(top: 5, temperature: 0.7, maxTokens: 12);
            request.Messages[0].Content = p;
            return GrpcAsync(request);
        }));

        var host = cluster.Model;
        foreach (var (prompt, (turn, tokens)) in prompts.Zip(turns))
        {
            int stopToken = turn.Finished.Reason == Contracts.V1.FinishReason.Stop ? 1 : 0;
            Assert.Equal(turn.Usage.CompletionTokens - stopToken, tokens.Count);
            var promptTokens = host.Tokenizer.Encode(host.Renderer.Render([new TurnMessage("user", prompt)], thinking: false), parseSpecial: true).ToArray();
            var reference = Scorer.Stepwise(host.Model, promptTokens, [.. tokens.Select(t => t.TokenId)], top: 5);
            for (int i = 0; i < tokens.Count; i++)
            {
                Assert.Equal(reference[i].TokenLogprob, tokens[i].Logprob, 1e-4);
                Assert.Equal(5, tokens[i].TopLogprobs.Count);
                for (int k = 0; k < 5; k++) Assert.Equal(reference[i].Top[k].LogProb, tokens[i].TopLogprobs[k].Logprob, 1e-4);
                Assert.Equal(reference[i].Top[0].TokenId, tokens[i].TopLogprobs[0].TokenId);
                Assert.Equal(host.Tokenizer.Decode([tokens[i].TokenId]), tokens[i].Token);
            }
        }
    }

    [SkippableFact]
    public async Task Openai_logprobs_match_grpc_streamed_or_not_and_are_null_unless_asked()
    {
        await cluster.StartAsync();
        var (_, grpc) = await GrpcAsync(Request(top: 3));
        var body = new { messages = new[] { new { role = "user", content = Prompt } }, temperature = 0, max_tokens = 10, logprobs = true, top_logprobs = 3 };

        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
        var choice = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["choices"]![0]!;
        var content = choice["logprobs"]!["content"]!.AsArray().Select(e => e!).ToList();
        Assert.Equal(grpc.Select(t => (t.Token, Math.Round(t.Logprob, 5))), content.Select(e => ((string)e["token"]!, Math.Round((double)e["logprob"]!, 5))));
        foreach (var e in content)
        {
            var top = e["top_logprobs"]!.AsArray();
            Assert.Equal(3, top.Count);
            Assert.Equal((double)e["logprob"]!, (double)top[0]!["logprob"]!);   // greedy: the chosen token is the likeliest
            Assert.Equal(System.Text.Encoding.UTF8.GetBytes((string)e["token"]!).Select(b => (int)b), e["bytes"]!.AsArray().Select(b => (int)b!));
        }

        using var streamed = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, new { body.messages, body.temperature, body.max_tokens, body.logprobs, body.top_logprobs, stream = true }));
        var chunks = (await streamed.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: {")).Select(l => JsonNode.Parse(l[6..])!);
        var streamedTokens = chunks.SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["logprobs"]?["content"]?.AsArray() ?? []).Select(e => (string)e!["token"]!);
        Assert.Equal(content.Select(e => (string)e["token"]!), streamedTokens);

        using var plain = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, new { body.messages, body.temperature, max_tokens = 2 }));
        var plainChoice = JsonNode.Parse(await plain.Content.ReadAsStringAsync())!["choices"]![0]!.AsObject();
        Assert.True(plainChoice.ContainsKey("logprobs"));
        Assert.Null(plainChoice["logprobs"]);
    }

    [SkippableFact]
    public async Task Top_logprobs_out_of_range_or_without_logprobs_is_refused()
    {
        await cluster.StartAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => GrpcAsync(Request(top: 21)));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("top_logprobs must be between 0 and 20", e.Status.Detail);

        var messages = new[] { new { role = "user", content = "Hi" } };
        foreach (var (body, mentions) in new (object, string)[]
        {
            (new { messages, logprobs = true, top_logprobs = 21 }, "top_logprobs must be between 0 and 20"),
            (new { messages, top_logprobs = 2 }, "top_logprobs needs \"logprobs\": true"),
        })
        {
            using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(mentions, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["message"]);
        }
    }
}
