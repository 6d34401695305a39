using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;

namespace SmolLM3.Engine.Tests.Loading;

public class ModelConfigTests
{
    static ModelConfig Smol3() => new()
    {
        Architecture = "smollm3", VocabSize = 128256, HiddenSize = 2048, IntermediateSize = 11008,
        NumLayers = 36, NumHeads = 16, NumKvHeads = 4, TieWordEmbeddings = true,
    };

    [Fact]
    public void KvBytesPerTokenMatchesSmolLM3Sizing()
    {
        // 36 layers x 4 KV heads x 128 x 2 (K,V) x 2 bytes = 72 KiB per token in BF16.
        Assert.Equal(72 * 1024, Smol3().KvBytesPerToken(KvFormat.BF16));
    }

    [Fact]
    public void NoPeEveryFourthLayerMatchesLlamaCpp()
    {
        var rope = ModelConfig.NoPeEvery(8, 4);
        Assert.Equal(new[] { true, true, true, false, true, true, true, false }, rope);
    }

    [Fact]
    public void ValidateNamesTheBadField()
    {
        var ex = Assert.Throws<ModelFormatException>(() => (Smol3() with { NumKvHeads = 3 }).Validate());
        Assert.Contains("num_key_value_heads", ex.Message);
    }
}
