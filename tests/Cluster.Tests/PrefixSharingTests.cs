using System.Text;
using System.Text.Json.Nodes;
using Grpc.Core;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// Prefix sharing on one silo: turns with the same long system prompt compute it once, report it as cached and reply
/// as if they had computed it; many sessions hold one copy of it; a stateless request repeated with one more message
/// starts from the first one's blocks; the same turn in a new session computes only its last prompt token.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class PrefixSharingTests(PrefixSharingClusterFixture cluster) : IClassFixture<PrefixSharingClusterFixture>
{
    const int MaxTokens = 8;

    int[] Tokens(params TurnMessage[] messages) =>
        cluster.Model.Tokenizer.Encode(cluster.Model.Renderer.Render(messages, thinking: false), parseSpecial: true).ToArray();

    /// <summary>A system prompt about <paramref name="topic"/> of at least 2,100 tokens as the template renders it.</summary>
    string SystemPrompt(string topic)
    {
        var text = new StringBuilder();
        for (int rule = 1; Tokens(new TurnMessage("system", text.ToString())).Length < 2100; rule++)
            text.Append($"Rule {rule} about {topic}: answer plainly, cite the rule, and never guess. ");
        return text.ToString();
    }

    static int CommonStart(int[] a, int[] b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    async Task<TurnResult> TurnAsync(string system, string user, int maxTokens = MaxTokens)
    {
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        var request = ChatRequests.Greedy(session, user, maxTokens);
        request.Messages.Insert(0, new ChatMessage { Role = "system", Content = system });
        return await TurnResult.ReadAsync(cluster.Client.StreamChat(request, Auth(KeyA)));
    }

    [SkippableFact]
    public async Task A_second_session_with_the_same_system_prompt_reuses_its_blocks_and_replies_as_if_it_had_computed_them()
    {
        await cluster.StartAsync();
        var system = SystemPrompt("tides");
        await TurnAsync(system, "What is the first rule?");
        var second = await TurnAsync(system, "And the last one?");

        var prompt = Tokens(new TurnMessage("system", system), new TurnMessage("user", "And the last one?"));
        int common = CommonStart(Tokens(new TurnMessage("system", system), new TurnMessage("user", "What is the first rule?")), prompt);
        int block = (await cluster.KvStatsAsync()).BlockTokens;
        Assert.Equal(common / block * block, second.Started.CachedTokens);   // every whole block of the common start
        Assert.True(second.Started.CachedTokens >= 2000, $"{second.Started.CachedTokens} cached");
        Assert.Equal(second.Started.CachedTokens, second.Usage.CachedTokens);

        // the engine's own loop over the same prompt in a cache of its own
        var (expected, text) = EngineGreedy.Reply(cluster.Model, prompt, MaxTokens);
        Assert.Equal(text, second.Text);
        Assert.Equal(expected.Count, second.Usage.CompletionTokens);
    }

    [SkippableFact]
    public async Task The_same_turn_in_a_new_session_computes_only_its_last_prompt_token_and_replies_the_same()
    {
        await cluster.StartAsync();
        var system = SystemPrompt("harbours");
        var first = await TurnAsync(system, "Which rule comes first?", maxTokens: 24);
        var again = await TurnAsync(system, "Which rule comes first?", maxTokens: 24);

        // the first turn's cache filled the block its prompt ended in, so the second copies that block's start
        int block = (await cluster.KvStatsAsync()).BlockTokens;
        Assert.True(first.Usage.CompletionTokens > block, $"{first.Usage.CompletionTokens} tokens generated");
        Assert.NotEqual(0, first.Started.PromptTokens % block);
        Assert.Equal(again.Started.PromptTokens - 1, again.Started.CachedTokens);
        Assert.Equal(first.Text, again.Text);
    }

    [SkippableFact]
    public async Task Ten_sessions_with_the_same_system_prompt_hold_one_copy_of_it()
    {
        await cluster.StartAsync();
        var system = SystemPrompt("orchards");
        var baseline = await cluster.KvStatsAsync();
        var users = Enumerable.Range(1, 10).Select(i => $"Question {i}: which rule?").ToArray();
        var turns = new List<TurnResult>();
        foreach (var user in users) turns.Add(await TurnAsync(system, user));
        var after = await cluster.KvStatsAsync();

        int block = after.BlockTokens;
        int commonBlocks = users.Skip(1).Min(u => CommonStart(Tokens(new TurnMessage("system", system), new TurnMessage("user", users[0])), Tokens(new TurnMessage("system", system), new TurnMessage("user", u)))) / block;
        Assert.True(commonBlocks * block >= 2000, $"{commonBlocks} blocks in common");
        Assert.All(turns.Skip(1), t => Assert.True(t.Started.CachedTokens >= commonBlocks * block, $"{t.Started.CachedTokens} cached"));

        // each session holds its own blocks past the common start; the common ones are there once (some of its first
        // blocks, the template's own start, may have been held before)
        int own = turns.Sum(t => (t.Started.PromptTokens + t.Usage.CompletionTokens + block - 1) / block - commonBlocks);
        Assert.InRange(after.UsedBlocks - baseline.UsedBlocks, own, own + commonBlocks);
        Assert.True(after.SharedBlocks >= commonBlocks, $"{after.SharedBlocks} shared");
        Assert.True(after.PrefixHitTokens - baseline.PrefixHitTokens >= 9L * commonBlocks * block);
    }

    [SkippableFact]
    public async Task A_stateless_request_repeated_with_one_more_message_starts_from_the_first_ones_blocks()
    {
        await cluster.StartAsync();
        var question = string.Concat(Enumerable.Range(1, 40).Select(i => $"Lighthouse {i} stands on a rock. "));
        var first = await CompleteAsync(new { role = "user", content = question });
        string reply = (string)first["choices"]![0]!["message"]!["content"]!;
        var second = await CompleteAsync(new { role = "user", content = question }, new { role = "assistant", content = reply }, new { role = "user", content = "And the last one?" });

        int cached = (int)second["usage"]!["prompt_tokens_details"]!["cached_tokens"]!;
        int common = CommonStart(Tokens(new TurnMessage("user", question)), Tokens(new TurnMessage("user", question), new TurnMessage("assistant", reply), new TurnMessage("user", "And the last one?")));
        int block = (await cluster.KvStatsAsync()).BlockTokens;
        Assert.True(common >= 300, $"{common} tokens in common");
        Assert.True(cached >= common / block * block, $"{cached} cached of {common} in common");
    }

    [SkippableFact]
    public async Task A_cancelled_turn_gives_back_the_shared_start_it_took_and_the_pool_returns_to_its_baseline()
    {
        await cluster.StartAsync();
        var system = SystemPrompt("bridges");
        await TurnAsync(system, "Which rule comes first?");
        var baseline = await cluster.KvStatsAsync();

        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        var request = ChatRequests.Greedy(session, "Talk forever", 60_000);
        request.Messages.Insert(0, new ChatMessage { Role = "system", Content = system });
        using var cts = new CancellationTokenSource();
        using var call = cluster.Client.StreamChat(request, Auth(KeyA), cancellationToken: cts.Token);
        int cached = 0, deltas = 0;
        await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync())
            {
                if (e.EventCase == ChatEvent.EventOneofCase.Started) cached = e.Started.CachedTokens;
                if (e.EventCase == ChatEvent.EventOneofCase.Delta && ++deltas == 3) cts.Cancel();
            }
        });
        Assert.True(cached >= 2000, $"{cached} cached");

        var after = await cluster.KvSettledAsync(baseline);
        Assert.Equal((baseline.UsedBlocks, baseline.IdleBlocks), (after.UsedBlocks, after.IdleBlocks));
        var info = await cluster.Client.GetSessionAsync(new GetSessionRequest { SessionId = session }, Auth(KeyA));
        Assert.Equal((0, 0), (info.MessageCount, info.CachedTokens));
    }

    async Task<JsonNode> CompleteAsync(params object[] messages)
    {
        using var response = await cluster.Http.SendAsync(ChatRequests.Completion(KeyA, new { model = "", messages, temperature = 0, max_tokens = MaxTokens }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!;
    }
}
