using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Placement;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>Stateless turns that start with the same long system prompt go to one silo, where that start is cached.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PrefixRoutingTests
{
    [SkippableFact]
    public async Task Stateless_turns_with_one_system_prompt_land_on_one_silo_and_find_it_cached()
    {
        Fixtures.Require("tiny-smollm3", "hf");
        await using var cluster = await MultiSiloCluster.StartAsync(2);
        var system = new TurnMessage("system", string.Join(' ', Enumerable.Range(0, 300).Select(i => $"Rule {i % 37} holds.")));
        var turns = new List<ChatChunk>();
        for (int i = 0; i < 6; i++)
        {
            var grain = cluster.Client.GetGrain<IStatelessTurnGrain>(ConversationKey.For("tenant", Guid.NewGuid().ToString("N")));
            TurnMessage[] messages = [system, new("user", $"Question {i}?")];
            var request = new ChatTurnRequest(messages, new TurnSampling { Temperature = 0, MaxTokens = 2 }, Thinking: false);
            using (ModelPlacementHint.For(MultiSiloCluster.Model))
            using (PrefixPlacementHint.For(messages))
                await foreach (var chunk in grain.ChatAsync(MultiSiloCluster.Model, request))
                    if (chunk.Kind == ChatChunkKind.Started) turns.Add(chunk);
        }

        Assert.Single(turns.Select(t => t.Silo).Distinct());   // capacity alone spreads them over both silos
        Assert.Equal(0, turns[0].CachedTokens % 16);
        Assert.All(turns.Skip(1), t => Assert.True(t.CachedTokens >= 400, $"{t.CachedTokens} of {t.PromptTokens} cached"));
    }
}
