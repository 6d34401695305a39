using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmolLM3.Engine.Loading;
using SmolLM3.Hosting;
using SmolLM3.Silo;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests;

/// <summary>The silo's context settings (SmolLM3:Silo:ContextLength, RopeScaling, RopeScale, YarnOrigCtx): bound, applied, refused at start-up.</summary>
public sealed class ModelContextTests
{
    static string Yarn => Fixtures.Require("long-context", "tiny-smollm3-yarn");

    static ModelHost Loaded(SmolLMSiloOptions options)
    {
        var host = new ModelHost(Options.Create(options), NullLogger<ModelHost>.Instance);
        host.Load(CancellationToken.None);
        return host;
    }

    [Fact]
    public void TheFourKeysBind()
    {
        var s = SiloSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmolLM3:Silo:ContextLength"] = "131072",
            ["SmolLM3:Silo:RopeScaling"] = "yarn",
            ["SmolLM3:Silo:RopeScale"] = "2",
            ["SmolLM3:Silo:YarnOrigCtx"] = "65536",
        }).Build());
        Assert.Equal(new ContextSettings { ContextLength = 131072, RopeScaling = "yarn", RopeScale = 2, YarnOrigCtx = 65536 }, s.Silo.Context);
    }

    [SkippableFact]
    public void TheModelsContextIsFactorTimesOriginalOrTheOneConfigured()
    {
        using (var host = Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheBytes = 1 << 20 }))
        {
            Assert.Equal(8192, host.Info.ContextLength);
            using var cache = host.KvPool.NewCache();
            Assert.Equal(8192, cache.MaxLength);
        }
        using var shorter = Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheBytes = 1 << 20, ContextLength = 3000 });
        Assert.Equal(3000, shorter.Info.ContextLength);
    }

    [SkippableFact]
    public void ABadSettingNamesItsKey()
    {
        var e = Assert.Throws<ContextSettingsException>(() => Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheBytes = 1 << 20, ContextLength = 10000 }));
        Assert.StartsWith("SmolLM3:Silo:ContextLength 10000", e.Message);
        Assert.Contains("8192", e.Message);
    }

    [SkippableFact]
    public async Task TheSiloDoesNotStartAndLogsWhy()
    {
        var logs = new LogCapture();
        await using var app = EmbeddedCluster.Build(new EmbeddedClusterOptions(Yarn)
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = 0, KvCacheBytes = 1 << 20,
            Context = new ContextSettings { YarnOrigCtx = 4096 },
            ConfigureServices = services => services.AddSingleton<ILoggerProvider>(logs),
        });
        await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains("SmolLM3:Silo:YarnOrigCtx 4096 contradicts the checkpoint"));
    }
}
