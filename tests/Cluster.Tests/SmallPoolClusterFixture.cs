using SmolLM3.Hosting;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A cluster whose KV pool holds only <see cref="PoolTokens"/> positions (24 blocks of 16), so a few short
/// conversations fill it: for eviction, preemption and RESOURCE_EXHAUSTED.
/// </summary>
public sealed class SmallPoolClusterFixture : ClusterFixture
{
    public const int BlockTokens = 16, Blocks = 24, PoolTokens = BlockTokens * Blocks;

    // tiny-smollm3 in F32: 4 layers × 1 KV head × head_dim 16 × (K and V) × 4 bytes = 512 bytes a position
    public const long BytesPerToken = 512;

    protected override EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) =>
        options with { KvDType = "f32", KvCacheBytes = PoolTokens * BytesPerToken, KvBlockTokens = BlockTokens };
}
