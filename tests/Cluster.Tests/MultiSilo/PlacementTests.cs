using SmolLM3.Contracts.Errors;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>New conversations go to a silo serving their model with the most free KV capacity.</summary>
[Collection(ClusterCollection.Name)]   // one cluster at a time on this 2-core machine
public sealed class PlacementTests(ThreeSiloFixture fixture) : IClassFixture<ThreeSiloFixture>
{
    [SkippableFact]
    public async Task NewConversationsGoWhereTheCapacityIs()
    {
        var cluster = await fixture.GetAsync();
        var roomy = cluster.Silos[1].SiloAddress;
        await cluster.SetAvailableAsync(500, 9_000, 2_000);

        var hosts = new List<SiloAddress?>();
        for (int i = 0; i < 6; i++) hosts.Add(cluster.HostOf(await cluster.CreateSessionAsync()));

        Assert.All(hosts, h => Assert.Equal(roomy, h));
    }

    [SkippableFact]
    public async Task WithEqualCapacityConversationsSpreadOverTheSilos()
    {
        var cluster = await fixture.GetAsync();
        await cluster.SetAvailableAsync(4_000, 4_000, 4_000);

        var hosts = new List<SiloAddress?>();
        for (int i = 0; i < 6; i++) hosts.Add(cluster.HostOf(await cluster.CreateSessionAsync()));

        foreach (var silo in cluster.Silos)
            Assert.Contains(silo.SiloAddress, hosts);
    }

    [SkippableFact]
    public async Task AModelNoSiloServesIsUnavailable()
    {
        var cluster = await fixture.GetAsync();

        var e = await Assert.ThrowsAsync<ModelUnavailableException>(() => cluster.CreateSessionAsync("not-served"));

        Assert.Equal("not-served", e.Model);
        Assert.Contains(MultiSiloCluster.Model, e.Message);   // says what the cluster does serve
    }
}
