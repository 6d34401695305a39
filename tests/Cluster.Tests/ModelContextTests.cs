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
        options.DType = "f32";   // the pool sizes below count F32 positions on every machine
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
        using var shorter = Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheSize = "4MiB", ContextLength = 3000 });
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
    public void APoolThatCannotHoldTheContextSetIsRefusedNamingTheKeys()
    {
        // 512 bytes a token in the default bf16: 3,008 positions (whole blocks of 16) need 1,540,096 bytes.
        var e = Assert.Throws<SiloSettingException>(() => Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheSize = "1MiB", ContextLength = 3000 }));
        Assert.StartsWith("SmolLM3:Silo:KvCacheSize: a KV pool of 1 MiB (1048576 bytes) cannot hold one context of 3000 tokens (SmolLM3:Silo:ContextLength)", e.Message);
        Assert.Contains("needs 1.47 MiB (1540096 bytes)", e.Message);
        var f32 = Assert.Throws<SiloSettingException>(() => Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheSize = "2MiB", ContextLength = 3000, KvDType = "f32" }));
        Assert.Contains("needs 2.94 MiB (3080192 bytes)", f32.Message);
        // The older key is named when it is the one set; without an explicit context the pool is only checked per turn.
        var bytes = Assert.Throws<SiloSettingException>(() => Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheBytes = 1 << 20, ContextLength = 3000 }));
        Assert.Equal("SmolLM3:Silo:KvCacheBytes", bytes.Key);
        using var host = Loaded(new SmolLMSiloOptions { ModelPath = Yarn, KvCacheSize = "1MiB" });
        Assert.Equal(1 << 20, host.KvPool.TotalBytes);
    }

    [Fact]
    public void TheKvCacheSizeKeyTakesUnitsAndRefusesWhatItCannotRead()
    {
        Assert.Equal(12L << 30, Bound("SmolLM3:Silo:KvCacheSize", "12GiB").ResolvedKvCacheBytes);
        Assert.Equal(9663676416, Bound("SmolLM3:Silo:KvCacheBytes", "9663676416").ResolvedKvCacheBytes);
        var e = Assert.Throws<SiloSettingException>(() => Bound("SmolLM3:Silo:KvCacheSize", "12XB").ResolvedKvCacheBytes);
        Assert.Equal("SmolLM3:Silo:KvCacheSize: '12XB': unknown unit 'XB' (one of KiB, MiB, GiB, TiB, KB, MB, GB, TB, B)", e.Message);
        var both = Assert.Throws<SiloSettingException>(() => new SmolLMSiloOptions { KvCacheSize = "1GiB", KvCacheBytes = 1 << 30 }.ResolvedKvCacheBytes);
        Assert.Contains("not both", both.Message);
    }

    static SmolLMSiloOptions Bound(string key, string value) =>
        SiloSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build()).Silo;

    [SkippableFact]
    public Task TheSiloDoesNotStartAndLogsWhy() =>
        AssertStartRefused(o => o with { KvCacheBytes = 1 << 20, Context = new ContextSettings { YarnOrigCtx = 4096 } },
            "SmolLM3:Silo:YarnOrigCtx 4096 contradicts the checkpoint");

    [SkippableFact]
    public Task ASiloWhosePoolCannotHoldTheContextDoesNotStartAndLogsWhy() =>
        AssertStartRefused(o => o with { KvCacheBytes = 1 << 20, Context = new ContextSettings { ContextLength = 3000 } },
            "SmolLM3:Silo:KvCacheBytes: a KV pool of 1 MiB (1048576 bytes) cannot hold one context of 3000 tokens (SmolLM3:Silo:ContextLength)");

    /// <summary>A one-process cluster on the YaRN fixture with <paramref name="settings"/> fails to start, logging <paramref name="critical"/> as critical.</summary>
    static async Task AssertStartRefused(Func<EmbeddedClusterOptions, EmbeddedClusterOptions> settings, string critical)
    {
        var logs = new LogCapture();
        await using var app = EmbeddedCluster.Build(settings(new EmbeddedClusterOptions(Yarn)
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = 0, DType = "f32",
            ConfigureServices = services => services.AddSingleton<ILoggerProvider>(logs),
        }));
        await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Critical && e.Message.Contains(critical));
    }
}
