using System.Text.Json;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Loading;

public class HfConfigReaderTests
{
    static ModelConfig Parse(string json) => HfConfigReader.Parse(JsonDocument.Parse(json).RootElement);

    const string Base = """
        "vocab_size":128256,"hidden_size":2048,"intermediate_size":11008,"num_hidden_layers":8,
        "num_attention_heads":16,"num_key_value_heads":4,"rope_theta":5000000.0,"tie_word_embeddings":true
        """;

    [SkippableFact]
    public void ReadsTheTinySmolLM3Fixture()
    {
        var c = HfConfigReader.Read(Fixtures.Require("tiny-smollm3", "hf", "config.json"));
        Assert.Equal(("smollm3", 64, 4, 1, 16, 4), (c.Architecture, c.HiddenSize, c.NumHeads, c.NumKvHeads, c.HeadDim, c.NumLayers));
        Assert.Equal(new[] { true, true, true, false }, c.RopeLayers);
        Assert.True(c.TieWordEmbeddings);
        Assert.Equal(5e6, c.RopeTheta);
        Assert.Equal(new[] { 128012 }, c.EosTokenIds);
    }

    [Fact]
    public void NoRopeIntervalIsTheFallbackForSmolLM3()
    {
        var c = Parse($$"""{"model_type":"smollm3",{{Base}},"no_rope_layer_interval":4}""");
        Assert.Equal(new[] { true, true, true, false, true, true, true, false }, c.RopeLayers);
        Assert.True(Parse($$"""{"model_type":"llama",{{Base}}}""").UsesRope(3));
    }

    [Fact]
    public void YarnAndExplicitHeadDimAreRead()
    {
        var c = Parse($$$"""{"model_type":"smollm3",{{{Base}}},"head_dim":96,"rope_scaling":{"rope_type":"yarn","factor":2.0,"original_max_position_embeddings":65536}}""");
        Assert.Equal(96, c.HeadDim);
        Assert.Equal(new YarnScaling(2.0, 65536), c.Yarn);
    }

    [Fact]
    public void UnknownRopeScalingIsRefused()
    {
        var ex = Assert.Throws<ModelFormatException>(() => Parse($$$"""{"model_type":"llama",{{{Base}}},"rope_scaling":{"type":"dynamic","factor":2.0}}"""));
        Assert.Contains("dynamic", ex.Message);
    }
}
