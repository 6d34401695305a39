using Microsoft.Extensions.Logging;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.V1;
using SmolLM3.Engine.Benchmarking;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// The KV spill tier in the silo: a conversation whose blocks left the pool for disk continues from them (cached, the
/// same greedy reply); a damaged spill file is recomputed with a warning, never used.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class SpillTests(SpillClusterFixture cluster) : IClassFixture<SpillClusterFixture>
{
    const int MaxTokens = 6;

    /// <summary>A user message on <paramref name="topic"/> whose prompt takes at least <paramref name="tokens"/> tokens.</summary>
    string Long(string topic, int tokens) => FillerText.ForTokens(topic, tokens, text => Tokens(new TurnMessage("user", text)).Length);

    async Task<(string Session, TurnResult Turn)> OpenAsync(string text)
    {
        var session = (await cluster.Client.CreateSessionAsync(new CreateSessionRequest(), Auth(KeyA))).SessionId;
        return (session, await TurnAsync(session, text));
    }

    Task<TurnResult> TurnAsync(string session, string text) =>
        TurnResult.ReadAsync(cluster.Client.StreamChat(ChatRequests.Greedy(session, text, MaxTokens), Auth(KeyA)));

    int[] Tokens(params TurnMessage[] messages) =>
        cluster.Model.Tokenizer.Encode(cluster.Model.Renderer.Render(messages, thinking: false), parseSpecial: true).ToArray();

    /// <summary>Another conversation big enough to take every block no running turn holds.</summary>
    async Task CrowdAsync(string topic) => await OpenAsync(Long(topic, SpillClusterFixture.PoolTokens - 4 * SpillClusterFixture.BlockTokens));

    [SkippableFact]
    public async Task A_conversation_whose_blocks_went_to_disk_continues_from_them_with_the_same_greedy_reply()
    {
        await cluster.StartAsync();
        string first = Long("harbor", 500), next = "Summarize it.";
        var (session, turn1) = await OpenAsync(first);
        var before = await cluster.KvStatsAsync();
        await CrowdAsync("meadow");
        var crowded = await cluster.KvStatsAsync();
        Assert.True(crowded.Evictions > before.Evictions, "the crowd evicted the idle conversation");

        var turn2 = await TurnAsync(session, next);
        var after = await cluster.KvStatsAsync();
        var prompt = Tokens(new TurnMessage("user", first), new TurnMessage("assistant", turn1.Text), new TurnMessage("user", next));
        Assert.Equal(prompt.Length, turn2.Started.PromptTokens);
        int held = turn1.Started.PromptTokens + turn1.Usage.CompletionTokens - 1;   // what the first turn left in its cache
        int block = SpillClusterFixture.BlockTokens;
        Assert.True(turn2.Started.CachedTokens >= held / block * block - block, $"{turn2.Started.CachedTokens} cached of {held} held; {before} {crowded} {after}");
        Assert.True(after.RestoredTokens - crowded.RestoredTokens >= turn1.Started.PromptTokens / 2,
            $"{after.RestoredTokens - crowded.RestoredTokens} positions read back from disk; {after}");
        Assert.True(after.SpillBlocks > 0 && after.SpillFault is null);

        var (expected, text) = EngineGreedy.Reply(cluster.Model, prompt, MaxTokens);
        Assert.Equal(text, turn2.Text);
        Assert.Equal(expected.Count, turn2.Usage.CompletionTokens);
    }

    [SkippableFact]
    public async Task A_corrupt_spill_file_is_recomputed_with_a_warning_and_the_reply_is_unchanged()
    {
        await cluster.StartAsync();
        string first = Long("granite", 450), next = "Go on.";
        var (session, turn1) = await OpenAsync(first);
        await CrowdAsync("willow");
        var files = Directory.GetFiles(cluster.SpillFolder, "*.kvb", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)   // every block on disk, this conversation's among them
        {
            var bytes = File.ReadAllBytes(file);
            bytes[^1] ^= 0x01;
            File.WriteAllBytes(file, bytes);
        }
        var stats = await cluster.KvStatsAsync();

        var turn2 = await TurnAsync(session, next);
        var after = await cluster.KvStatsAsync();
        Assert.Equal(stats.RestoredTokens, after.RestoredTokens);   // nothing read back from a damaged file
        Assert.Contains(cluster.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("checksum") && e.Message.Contains("recomputed"));

        var prompt = Tokens(new TurnMessage("user", first), new TurnMessage("assistant", turn1.Text), new TurnMessage("user", next));
        var (_, text) = EngineGreedy.Reply(cluster.Model, prompt, MaxTokens);
        Assert.Equal(text, turn2.Text);
    }
}
