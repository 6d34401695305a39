using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// OpenAI's <c>n</c>: several sampled replies to one prompt as choices 0..n-1, reproducible with a seed, computed from
/// one prefill of the prompt (the other choices take its KV blocks), usage counting the prompt once.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class OpenAiChoicesTests(PrefixSharingClusterFixture cluster) : IClassFixture<PrefixSharingClusterFixture>
{
    const int MaxTokens = 8;

    /// <summary>A user message long enough that its prompt spans many KV blocks.</summary>
    static readonly string Long = string.Concat(Enumerable.Range(1, 60).Select(i => $"Harbour {i} keeps a red lamp lit at night. "));

    static JsonObject Body(string text, int n, long seed, bool stream = false, string path = "chat") => new()
    {
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["temperature"] = 1.5,
        ["max_tokens"] = MaxTokens,
        ["seed"] = seed,
        ["n"] = n,
        ["logprobs"] = true,
        ["stream"] = stream,
    };

    async Task<JsonNode> CompleteAsync(JsonObject body)
    {
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        return json;
    }

    static string[] Texts(JsonNode completion) =>
        [.. completion["choices"]!.AsArray().Select(c => (string)c!["message"]!["content"]!)];

    [SkippableFact]
    public async Task N_choices_are_sampled_with_derived_seeds_from_one_prefill_and_usage_counts_the_prompt_once()
    {
        await cluster.StartAsync();
        var baseline = await cluster.KvStatsAsync();
        var completion = await CompleteAsync(Body(Long, 4, seed: 7));
        var after = await cluster.KvStatsAsync();

        var choices = completion["choices"]!.AsArray();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => (int)c!["index"]!));
        var texts = Texts(completion);
        Assert.True(texts.Distinct().Count() > 1, $"all four choices wrote '{texts[0]}'");

        // the prompt once; each choice's tokens (a stop token has no logprobs entry but is generated)
        var usage = completion["usage"]!;
        int generated = choices.Sum(c => c!["logprobs"]!["content"]!.AsArray().Count + ((string?)c["finish_reason"] == "stop" ? 1 : 0));
        Assert.Equal(generated, (int)usage["completion_tokens"]!);
        int prompt = (int)usage["prompt_tokens"]!;
        Assert.Equal(prompt + generated, (int)usage["total_tokens"]!);

        // choices 1..3 found the prompt's whole blocks in the pool: choice 0 computed them, they did not
        int block = after.BlockTokens;
        int wholeBlocks = (prompt - 1) / block;
        Assert.True(wholeBlocks >= 20, $"{prompt} prompt tokens");
        Assert.True(after.PrefixHitTokens - baseline.PrefixHitTokens >= 3L * wholeBlocks * block,
            $"{after.PrefixHitTokens - baseline.PrefixHitTokens} prompt positions reused; 3 × {wholeBlocks} blocks expected");

        // reproducible: the same request again, and choice 0 is the one reply of n = 1 with the same seed
        Assert.Equal(texts, Texts(await CompleteAsync(Body(Long, 4, seed: 7))));
        Assert.Equal(texts[0], Texts(await CompleteAsync(Body(Long, 1, seed: 7))).Single());
        Assert.NotEqual(texts, Texts(await CompleteAsync(Body(Long, 4, seed: 8))));
    }

    [SkippableFact]
    public async Task Streamed_choices_carry_their_index_and_add_up_to_the_replies_of_the_same_request_unstreamed()
    {
        await cluster.StartAsync();
        var expected = Texts(await CompleteAsync(Body("Name three colours.", 3, seed: 21)));

        var body = Body("Name three colours.", 3, seed: 21, stream: true);
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var texts = new[] { new StringBuilder(), new StringBuilder(), new StringBuilder() };
        var roles = new int[3];
        var finishes = new string?[3];
        JsonNode? usage = null;
        foreach (var line in (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", line);
            if (line == "data: [DONE]") continue;
            var chunk = JsonNode.Parse(line["data: ".Length..])!;
            usage ??= chunk["usage"];
            foreach (var c in chunk["choices"]!.AsArray())
            {
                int i = (int)c!["index"]!;
                if ((string?)c["delta"]!["role"] == "assistant") roles[i]++;
                texts[i].Append((string?)c["delta"]!["content"]);
                finishes[i] ??= (string?)c["finish_reason"];
            }
        }
        Assert.Equal([1, 1, 1], roles);
        Assert.Equal(expected, texts.Select(t => t.ToString()));
        Assert.All(finishes, f => Assert.Contains(f, new[] { "stop", "length" }));
        Assert.NotNull(usage);
    }

    [SkippableFact]
    public async Task N_outside_1_to_8_is_400_naming_n()
    {
        await cluster.StartAsync();
        foreach (var n in new[] { 0, 9, -1 })
        {
            using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, Body("Hi", n, seed: 1)));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("n must be between 1 and 8", await response.Content.ReadAsStringAsync());
        }
    }
}
