namespace SmolLM3.Cluster.Tests;

/// <summary>Classes in this collection share one cluster and run one after another (scheduler counters are global).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
