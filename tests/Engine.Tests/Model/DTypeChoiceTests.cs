using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Model;

public class DTypeChoiceTests
{
    [Theory]
    [InlineData(ScalarType.Float32, ComputeDevice.Cpu, ScalarType.Float32, "checkpoint f32")]
    [InlineData(ScalarType.Float32, ComputeDevice.CpuWithAvx512Bf16, ScalarType.Float32, "checkpoint f32")]
    [InlineData(ScalarType.Float32, ComputeDevice.Cuda, ScalarType.Float32, "checkpoint f32")]
    [InlineData(ScalarType.BFloat16, ComputeDevice.Cpu, ScalarType.Float32, "checkpoint bf16, CPU lacks AVX-512 BF16")]
    [InlineData(ScalarType.BFloat16, ComputeDevice.CpuWithAvx512Bf16, ScalarType.BFloat16, "checkpoint bf16, CPU has AVX-512 BF16")]
    [InlineData(ScalarType.BFloat16, ComputeDevice.Cuda, ScalarType.BFloat16, "checkpoint bf16, CUDA")]
    [InlineData(ScalarType.Float16, ComputeDevice.Cpu, ScalarType.Float32, "checkpoint f16, CPU computes F16 slowly")]
    [InlineData(ScalarType.Float16, ComputeDevice.CpuWithAvx512Bf16, ScalarType.Float32, "checkpoint f16, CPU computes F16 slowly")]
    [InlineData(ScalarType.Float16, ComputeDevice.Cuda, ScalarType.Float16, "checkpoint f16, CUDA")]
    public void Auto_takes_the_checkpoint_type_only_where_the_device_computes_it_fast(ScalarType checkpoint, ComputeDevice device, ScalarType expected, string reason)
    {
        var choice = DTypeChoice.For(checkpoint, device);
        Assert.Equal((expected, reason, true), (choice.DType, choice.Reason, choice.IsAuto));
        Assert.Equal($"dtype auto → {DTypes.NameOf(expected)} ({reason})", choice.ToString());
    }

    static WeightInfo W(string type, long bytes) => new($"w{bytes}", [bytes], type, bytes);

    [Fact]
    public void The_checkpoint_type_is_the_float_type_holding_most_bytes_with_quantized_tensors_as_F32()
    {
        Assert.Equal(ScalarType.BFloat16, DTypeChoice.CheckpointType([W("BF16", 1000), W("F32", 10)]));
        Assert.Equal(ScalarType.Float16, DTypeChoice.CheckpointType([W("F16", 1000), W("F32", 10)]));
        // A Q8_0 GGUF keeps F32 norms and an F16 embedding: its matrices dequantize to F32, which outweighs the F16.
        Assert.Equal(ScalarType.Float32, DTypeChoice.CheckpointType([W("Q8_0", 800), W("F16", 500), W("F32", 10)]));
        Assert.Equal(ScalarType.Float32, DTypeChoice.CheckpointType([]));
    }

    [SkippableTheory]
    [InlineData("tiny-smollm3/hf", ScalarType.BFloat16)]          // safetensors in BF16
    [InlineData("tiny-smollm2/hf", ScalarType.BFloat16)]          // two BF16 shards
    [InlineData("tiny-smollm2/model-f16.gguf", ScalarType.Float16)]
    [InlineData("tiny-smollm3/model-q8_0.gguf", ScalarType.Float32)]
    public void Reads_the_fixtures_checkpoint_types(string fixture, ScalarType expected)
    {
        using var source = ModelSources.Open(Fixtures.Require(fixture.Split('/')));
        Assert.Equal(expected, DTypeChoice.CheckpointType(source.Weights));
        // On the CPU an F16 checkpoint computes in F32 whatever the CPU; BF16 only with AVX-512 BF16.
        var onCpu = DTypeChoice.Resolve(DTypeChoice.Auto, source, torch.CPU);
        Assert.Equal(DTypeChoice.For(expected, ComputeDevices.Of(torch.CPU)), onCpu);
        if (expected != ScalarType.BFloat16) Assert.Equal(ScalarType.Float32, onCpu.DType);
    }

    [SkippableFact]
    public void A_named_type_overrides_auto_and_an_unknown_name_lists_the_accepted_ones()
    {
        using var source = ModelSources.Open(Fixtures.Require("tiny-smollm3", "hf"));
        foreach (var name in DTypes.Names)
        {
            var named = DTypeChoice.Resolve(name, source, torch.CPU);
            Assert.Equal((DTypes.Parse(name), false), (named.DType, named.IsAuto));
            Assert.Equal($"dtype {name} (requested)", named.ToString());
        }
        var e = Assert.Throws<ArgumentException>(() => DTypeChoice.Resolve("f64", source, torch.CPU));
        Assert.Contains("auto, f32, bf16, f16", e.Message);
    }

    [Fact]
    public void The_CPU_is_classed_by_its_AVX_512_BF16_flag()
    {
        bool flag = File.Exists("/proc/cpuinfo") && File.ReadAllText("/proc/cpuinfo").Contains(" avx512_bf16");
        Assert.Equal(flag ? ComputeDevice.CpuWithAvx512Bf16 : ComputeDevice.Cpu, ComputeDevices.Of(torch.CPU));
    }
}
