using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>The KV cache formats by name, their row sizes, and the shapes and devices they refuse.</summary>
public sealed class KvFormatTests
{
    static ModelConfig Shape(int headDim) => new()
    {
        Architecture = "smollm3", VocabSize = 32, HiddenSize = 4 * headDim, IntermediateSize = 64,
        NumLayers = 36, NumHeads = 4, NumKvHeads = 4, MaxPositionEmbeddings = 64,
    };

    [Theory]
    [InlineData("f32", 4 * 128)]
    [InlineData("bf16", 2 * 128)]
    [InlineData("f16", 2 * 128)]
    [InlineData("q8_0", 4 * 34)]   // four blocks of 32: an F16 scale and 32 bytes each
    public void Each_name_parses_to_its_format_with_its_row_size(string name, int rowBytes)
    {
        var format = KvFormat.Parse(name);
        Assert.Equal(name, format.ToString());
        Assert.Equal(rowBytes, format.RowBytes(128));
    }

    [Fact]
    public void SmolLM3_3B_takes_38_KiB_a_token_in_q8_0()
    {
        // 36 layers × 4 KV heads × 2 (K, V) × 136 bytes per 128-value row
        Assert.Equal(39_168, Shape(128).KvBytesPerToken(KvFormat.Q8_0));
        Assert.Equal(73_728, Shape(128).KvBytesPerToken(KvFormat.BF16));
    }

    [Fact]
    public void An_unknown_name_lists_the_accepted_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => KvFormat.Parse("q4_0"));
        Assert.Equal("KV dtype 'q4_0' is not one of f32, bf16, f16, q8_0", e.Message);
    }

    [Fact]
    public void A_compute_type_is_held_as_it_is()
    {
        Assert.Equal((KvFormat.F32, KvFormat.BF16, KvFormat.F16),
            (KvFormat.Of(torch.ScalarType.Float32), KvFormat.Of(torch.ScalarType.BFloat16), KvFormat.Of(torch.ScalarType.Float16)));
        Assert.Throws<ArgumentException>(() => KvFormat.Of(torch.ScalarType.Int8));
    }

    [Fact]
    public void The_default_cache_holds_16_bits_a_value_f16_for_f16_compute_else_bf16()
    {
        Assert.Equal((KvFormat.BF16, KvFormat.BF16, KvFormat.F16),
            (KvFormat.DefaultFor(torch.ScalarType.Float32), KvFormat.DefaultFor(torch.ScalarType.BFloat16), KvFormat.DefaultFor(torch.ScalarType.Float16)));
        Assert.Throws<ArgumentException>(() => KvFormat.DefaultFor(torch.ScalarType.Int8));
    }

    [Fact]
    public void Q8_0_refuses_a_head_dim_that_is_not_a_multiple_of_16_and_any_device_but_the_CPU()
    {
        KvFormat.Q8_0.Require(Shape(16), torch.CPU);
        var e = Assert.Throws<ArgumentException>(() => KvFormat.Q8_0.Require(Shape(24), torch.CPU));
        Assert.Contains("q8_0 KV cache cannot hold this model's rows of head_dim 24", e.Message);
        Assert.Throws<ArgumentException>(() => new KvBlockPool(Shape(24), KvFormat.Q8_0, torch.CPU, 16, 1));
        KvFormat.F32.Require(Shape(24), torch.CPU);

        e = Assert.Throws<ArgumentException>(() => KvFormat.Q8_0.Require(Shape(64), new torch.Device(DeviceType.CUDA, 0)));
        Assert.StartsWith("q8_0 KV cache is CPU-only", e.Message);
    }
}
