using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>A conversation whose silo goes away continues on another one from storage, its cache rebuilt by prefill.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests
{
    static TurnMessage User(string text) => new("user", text);

    [SkippableFact]
    public async Task TheNextTurnAfterASiloStopsRunsElsewhereWithTheWholeTranscript()
    {
        Fixtures.Require("tiny-smollm3", "hf");
        await using var cluster = await MultiSiloCluster.StartAsync(2);
        var session = await cluster.CreateSessionAsync();
        var first = await GrainTurn.RunAsync(session, User("Remember the number seven"));
        var lost = cluster.Silos.Single(s => s.SiloAddress.Equals(cluster.HostOf(session)));

        await cluster.Cluster.StopSiloAsync(lost);
        var second = await GrainTurn.RunAsync(session, User("Which number was it?"));

        var survivor = Assert.Single(cluster.Silos).SiloAddress;
        Assert.Equal(survivor, cluster.HostOf(session));
        Assert.Equal(0, second.CachedTokens);   // the cache stayed behind: the whole prompt was prefilled
        var info = await session.DescribeAsync();
        Assert.Equal(4, info!.MessageCount);
        // Greedy decoding: a fresh conversation given the same transcript in one turn replies the same.
        var fresh = await cluster.CreateSessionAsync();
        var reference = await GrainTurn.RunAsync(fresh,
            User("Remember the number seven"), new TurnMessage("assistant", first.Text), User("Which number was it?"));
        Assert.Equal(reference.PromptTokens, second.PromptTokens);
        Assert.True(second.PromptTokens > first.PromptTokens);
        Assert.Equal(reference.Text, second.Text);
    }
}
