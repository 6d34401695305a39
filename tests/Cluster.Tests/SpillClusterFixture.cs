using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmolLM3.Hosting;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// A cluster with a data folder, prefix sharing and the KV spill tier under it, and a pool of <see cref="PoolTokens"/>
/// positions (64 blocks of 16): one long conversation's follow-up pushes another's blocks out to disk. Its logs are kept.
/// </summary>
public sealed class SpillClusterFixture : ClusterFixture
{
    public const int BlockTokens = 16, Blocks = 64, PoolTokens = BlockTokens * Blocks;

    public string DataFolder { get; } = Directory.CreateTempSubdirectory("smollm3-spill-").FullName;

    /// <summary>The silo's spill tier: one file per block under a folder per model.</summary>
    public string SpillFolder => Path.Combine(DataFolder, "kv-spill");

    public LogCapture Logs { get; } = new();

    protected override EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) => options with
    {
        DataFolder = DataFolder,
        KvDType = "f32",
        KvCacheBytes = PoolTokens * SmallPoolClusterFixture.BytesPerToken,
        KvBlockTokens = BlockTokens,
        ConfigureSilo = silo => silo.KvPrefixSharing = true,
        ConfigureServices = services => services.AddSingleton<ILoggerProvider>(Logs),
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(DataFolder, recursive: true);
    }
}
