using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmolLM3.Silo;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;
using SmolLM3.Engine.Model;

namespace SmolLM3.Cluster.Tests;

/// <summary>SmolLM3:Silo:KvDType: bound, sizes the pool in its type, refused at start-up naming the key.</summary>
public sealed class ModelKvDTypeTests
{
    static ModelHost Host(SmolLMSiloOptions options) => new(Options.Create(options), NullLogger<ModelHost>.Instance);

    [Fact]
    public void TheKeyBinds()
    {
        var s = SiloSettings.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmolLM3:Silo:KvDType"] = "bf16",
        }).Build());
        Assert.Equal(KvFormat.BF16, s.Silo.ResolvedKvFormat);
        Assert.Null(new SmolLMSiloOptions().ResolvedKvFormat);
    }

    [SkippableFact]
    public void ABf16PoolHoldsTwiceTheTokensOfTheComputeTypes()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        using var wide = Host(new SmolLMSiloOptions { ModelPath = model, KvCacheBytes = 1 << 20, DType = "f32", KvDType = "f32" });
        using var narrow = Host(new SmolLMSiloOptions { ModelPath = model, KvCacheBytes = 1 << 20, DType = "f32" });   // the default: bf16
        wide.Load(CancellationToken.None);
        narrow.Load(CancellationToken.None);
        Assert.Equal((KvFormat.F32, KvFormat.BF16), (wide.KvPool.Format, narrow.KvPool.Format));
        Assert.Equal(2 * wide.KvPool.TotalTokens, narrow.KvPool.TotalTokens);
    }

    [SkippableFact]
    public void AQ8_0PoolHoldsAsManyMoreTokensAsItsRowsAreSmaller()
    {
        // tiny-smollm3's head_dim 16: 64 bytes a row in f32, 18 in q8_0 (a half block: an F16 scale and 16 bytes)
        var model = Fixtures.Require("tiny-smollm3", "hf");
        using var host = Host(new SmolLMSiloOptions { ModelPath = model, KvCacheBytes = 1 << 20, KvDType = "q8_0" });
        host.Load(CancellationToken.None);
        Assert.Equal(KvFormat.Q8_0, host.KvPool.Format);
        Assert.Equal(2 * 4 * 18, host.KvPool.BytesPerToken);
        Assert.Equal((1 << 20) / (2 * 4 * 18 * 16) * 16, host.KvPool.TotalTokens);
    }

    [Fact]
    public void ABadValueNamesTheKeyBeforeAnythingLoads()
    {
        using var host = Host(new SmolLMSiloOptions { ModelPath = "/no/such/model", KvDType = "q4_0" });
        var e = Assert.Throws<SiloSettingException>(() => host.Load(CancellationToken.None));
        Assert.StartsWith("SmolLM3:Silo:KvDType: ", e.Message);
        Assert.Contains("'q4_0' is not one of f32, bf16, f16, q8_0", e.Message);
    }
}
