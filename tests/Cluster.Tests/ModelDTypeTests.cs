using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmolLM3.Engine.Model;
using SmolLM3.Hosting;
using SmolLM3.Silo;
using SmolLM3.Silo.Models;
using TorchSharp;

namespace SmolLM3.Cluster.Tests;

/// <summary>SmolLM3:Silo:DType: auto by default (the checkpoint's type where the device computes it fast), refused naming the key.</summary>
public sealed class ModelDTypeTests
{
    static ModelHost Host(SmolLMSiloOptions options) => new(Options.Create(options), NullLogger<ModelHost>.Instance);

    [SkippableFact]
    public void TheSiloComputesInTheAutoChoiceByDefault()
    {
        Assert.Equal("auto", new SmolLMSiloOptions().DType);
        Assert.Equal("auto", new EmbeddedClusterOptions("m").DType);
        using var host = Host(new SmolLMSiloOptions { ModelPath = Fixtures.Require("tiny-smollm3", "hf"), KvCacheBytes = 1 << 20 });
        host.Load(CancellationToken.None);
        // a BF16 checkpoint: BF16 on a CPU with AVX-512 BF16, else F32; the pool holds BF16 for either
        var expected = ComputeDevices.Of(torch.CPU) == ComputeDevice.CpuWithAvx512Bf16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32;
        Assert.Equal(expected, Assert.IsType<CausalLM>(host.Model).DType);
        Assert.Equal(KvFormat.BF16, host.KvPool.Format);
    }

    [SkippableFact]
    public void ABadValueNamesTheKeyAndTheAcceptedOnes()
    {
        using var host = Host(new SmolLMSiloOptions { ModelPath = Fixtures.Require("tiny-smollm3", "hf"), DType = "f64" });
        var e = Assert.Throws<SiloSettingException>(() => host.Load(CancellationToken.None));
        Assert.StartsWith("SmolLM3:Silo:DType: ", e.Message);
        Assert.Contains("auto, f32, bf16, f16", e.Message);
    }
}
