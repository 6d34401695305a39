using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Benchmarking;
using SmolLM3.Engine.Generation;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>
/// A draining silo moves its conversations with their KV: the next turn runs on another silo from the moved blocks
/// (cached) and replies as a conversation that never moved.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DrainMigrationTests
{
    static TurnMessage User(string text) => new("user", text);

    /// <summary>A user message whose prompt takes at least <paramref name="tokens"/> tokens.</summary>
    static string Long(ModelHost host, int tokens) => FillerText.ForTokens("ledger", tokens,
        text => host.Tokenizer.Encode(host.Renderer.Render([User(text)], thinking: false), parseSpecial: true).Count);

    [SkippableFact]
    public async Task A_4000_token_conversation_on_a_draining_silo_continues_on_another_from_its_moved_kv()
    {
        Fixtures.Require("tiny-smollm3", "hf");
        await using var cluster = await MultiSiloCluster.StartAsync(2);
        var session = await cluster.CreateSessionAsync();
        var anyHost = cluster.Silos[0].ServiceProvider.GetRequiredService<ModelHost>();
        string first = Long(anyHost, 4000), next = "Which entry came last?";
        var turn1 = await GrainTurn.RunAsync(session, User(first));
        var drained = cluster.Silos.Single(s => s.SiloAddress.Equals(cluster.HostOf(session)));
        var survivor = cluster.Silos.Single(s => s != drained);

        // what SIGTERM runs on a silo process, then the stop itself
        var drain = ActivatorUtilities.CreateInstance<SiloDrain>(drained.ServiceProvider);
        await drain.StopAsync(CancellationToken.None);
        // migrated, not just deactivated: the activation moves once the move call returns
        for (var deadline = DateTime.UtcNow.AddSeconds(10); cluster.HostOf(session) is var at && !survivor.SiloAddress.Equals(at); await Task.Delay(50))
            Assert.True(DateTime.UtcNow < deadline, $"the conversation is on {at?.ToString() ?? "no silo"} 10 s after the drain");
        await cluster.Cluster.StopSiloAsync(drained);

        var turn2 = await GrainTurn.RunAsync(session, User(next));
        Assert.Equal(survivor.SiloAddress, cluster.HostOf(session));
        Assert.True(turn2.CachedTokens >= 4000, $"{turn2.CachedTokens} cached of {turn2.PromptTokens}");

        // The reply of a conversation that never moved: the engine's loop over the prompt a session builds, the
        // first turn's tokens as generated (not re-tokenized) and then the new messages' text.
        var host = survivor.ServiceProvider.GetRequiredService<ModelHost>();
        int[] Encode(string text) => host.Tokenizer.Encode(text, parseSpecial: true).ToArray();
        var text1 = host.Renderer.Render([User(first)], thinking: false);
        var prompt1 = Encode(text1);
        var (reply1, replyText1) = EngineGreedy.Reply(host, prompt1, 6);
        Assert.Equal(replyText1, turn1.Text);
        var known = text1 + replyText1 + (reply1[^1].Finish == FinishReason.StopToken ? host.Tokenizer.Decode([reply1[^1].Token]) : "");
        var text2 = host.Renderer.Render([User(first), new TurnMessage("assistant", turn1.Text), User(next)], thinking: false);
        Assert.StartsWith(known, text2);
        int[] prompt = [.. prompt1, .. reply1.Select(t => t.Token), .. Encode(text2[known.Length..])];
        Assert.Equal(prompt.Length, turn2.PromptTokens);
        var (_, text) = EngineGreedy.Reply(host, prompt, 6);
        Assert.Equal(text, turn2.Text);
    }
}
