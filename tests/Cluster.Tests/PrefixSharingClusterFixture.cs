using SmolLM3.Hosting;

namespace SmolLM3.Cluster.Tests;

/// <summary>A cluster whose silo shares KV blocks between turns with the same prompt start (the silo's default).</summary>
public sealed class PrefixSharingClusterFixture : ClusterFixture
{
    protected override EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) =>
        options with { ConfigureSilo = silo => silo.KvPrefixSharing = true };
}
