using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Tests.Gguf;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Loading;

/// <summary>The context in effect: factor × original under YaRN, and the user's context and rope-scaling settings over the checkpoint's.</summary>
public sealed class ContextSettingsTests(TempFolder temp) : IClassFixture<TempFolder>
{
    /// <summary>SmolLM3-3B's shapes and 65,536 positions, without rope scaling (as it ships).</summary>
    static readonly ModelConfig Smol3 = new()
    {
        Architecture = "smollm3", VocabSize = 128256, HiddenSize = 2048, IntermediateSize = 11008,
        NumLayers = 36, NumHeads = 16, NumKvHeads = 4, MaxPositionEmbeddings = 65536,
    };

    /// <summary>The same carrying the model card's YaRN: factor 2 over the original 65,536.</summary>
    static readonly ModelConfig Smol3Yarn = Smol3 with { Yarn = new YarnScaling(2, 65536, BetaFast: 16) };

    static string Flag(ContextSetting s) => s switch
    {
        ContextSetting.ContextLength => "--context-length",
        ContextSetting.RopeScaling => "--rope-scaling",
        ContextSetting.RopeScale => "--rope-scale",
        _ => "--yarn-orig-ctx",
    };

    static ModelConfig Apply(ModelConfig checkpoint, ContextSettings settings) => settings.ApplyTo(checkpoint, Flag).Validate();

    static ContextSettingsException Refused(ModelConfig checkpoint, ContextSettings settings, ContextSetting setting)
    {
        var e = Assert.Throws<ContextSettingsException>(() => Apply(checkpoint, settings));
        Assert.Equal(setting, e.Setting);
        Assert.StartsWith(Flag(setting), e.Message);
        return e;
    }

    [Fact]
    public void YarnContextIsFactorTimesOriginal()
    {
        Assert.Equal(65536, Smol3.ContextLength);
        Assert.Equal(131072, Smol3Yarn.ContextLength);
        Assert.Equal(65536, Smol3Yarn.MaxPositionEmbeddings);
        Assert.Equal(7680, (Smol3 with { MaxPositionEmbeddings = 4096, Yarn = new YarnScaling(1.875, 4096) }).ContextLength);
    }

    [SkippableFact]
    public void TheYarnFixtureHoldsEightThousandPositions()
    {
        var c = HfConfigReader.Read(Fixtures.Require("long-context", "tiny-smollm3-yarn", "config.json"));
        Assert.Equal((2048, 8192), (c.MaxPositionEmbeddings, c.ContextLength));
        using var cache = new KvCache(c, KvFormat.F32, torch.CPU);
        Assert.Equal(8192, cache.MaxLength);
        using var pool = new KvBlockPool(c, KvFormat.F32, torch.CPU, 16, 4);
        using var pooled = pool.NewCache();
        Assert.Equal(8192, pooled.MaxLength);
    }

    [Fact]
    public void GgufYarnKeysGiveTheSameContext()
    {
        var path = TinyGgufWriter.TinyLlama()
            .Add("llama.rope.scaling.type", "yarn")
            .Add("llama.rope.scaling.factor", 4f)
            .Add("llama.rope.scaling.original_context_length", 16u)
            .WriteTo(temp.PathFor("yarn.gguf"));
        using var source = ModelSources.Open(path);
        Assert.Equal((16, 64), (source.Config.MaxPositionEmbeddings, source.Config.ContextLength));

        using var shorter = ModelSources.Open(path, new ContextSettings { ContextLength = 40 }, Flag);
        Assert.Equal(40, shorter.Config.ContextLength);
        var e = Assert.Throws<ContextSettingsException>(() => ModelSources.Open(path, new ContextSettings { YarnOrigCtx = 32 }, Flag));
        Assert.Contains("16", e.Message);
    }

    [SkippableFact]
    public void HuggingFaceFoldersTakeTheSameSettings()
    {
        var folder = Fixtures.Require("tiny-smollm3", "hf");
        using var plain = ModelSources.Open(folder);
        int original = plain.Config.MaxPositionEmbeddings;
        using var extended = ModelSources.Open(folder, new ContextSettings { RopeScaling = "yarn", RopeScale = 2 }, Flag);
        Assert.Equal(new YarnScaling(2, original), extended.Config.Yarn);
        Assert.Equal(2 * original, extended.Config.ContextLength);
        Assert.Equal(plain.Weights.Count, extended.Weights.Count);
    }

    [Fact]
    public void SmolLM3At128kFromTheShippedCheckpoint()
    {
        var c = Apply(Smol3, new ContextSettings { RopeScaling = "yarn", RopeScale = 2, YarnOrigCtx = 65536, ContextLength = 131072 });
        Assert.Equal(new YarnScaling(2, 65536), c.Yarn);
        Assert.Equal(131072, c.ContextLength);
    }

    [Fact]
    public void ContextLengthShortensTheContextWithinWhatTheScalingSupports()
    {
        Assert.Equal(32768, Apply(Smol3Yarn, new ContextSettings { ContextLength = 32768 }).ContextLength);
        Assert.Equal(131072, Apply(Smol3Yarn, new ContextSettings { ContextLength = 131072 }).ContextLength);

        var yarn = Refused(Smol3Yarn, new ContextSettings { ContextLength = 131073 }, ContextSetting.ContextLength);
        Assert.Contains("131073", yarn.Message);
        Assert.Contains("131072", yarn.Message);
        var plain = Refused(Smol3, new ContextSettings { ContextLength = 100000 }, ContextSetting.ContextLength);
        Assert.Contains("65536", plain.Message);
        Assert.Contains("--rope-scaling yarn", plain.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void NonPositiveContextLengthIsRefused(int n) =>
        Assert.Contains("must be positive", Refused(Smol3, new ContextSettings { ContextLength = n }, ContextSetting.ContextLength).Message);

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void RopeScaleBelowOneIsRefused(double f) =>
        Assert.Contains("at least 1", Refused(Smol3, new ContextSettings { RopeScaling = "yarn", RopeScale = f }, ContextSetting.RopeScale).Message);

    [Fact]
    public void NonPositiveOriginalContextIsRefused() =>
        Assert.Contains("must be positive", Refused(Smol3, new ContextSettings { RopeScaling = "yarn", RopeScale = 2, YarnOrigCtx = 0 }, ContextSetting.YarnOrigCtx).Message);

    [Fact]
    public void AnOriginalContextOtherThanTheCheckpointsContradictsIt()
    {
        var plain = Refused(Smol3, new ContextSettings { RopeScaling = "yarn", RopeScale = 4, YarnOrigCtx = 32768 }, ContextSetting.YarnOrigCtx);
        Assert.Contains("32768", plain.Message);
        Assert.Contains("65536", plain.Message);
        Assert.Contains("max_position_embeddings", plain.Message);
        var yarn = Refused(Smol3Yarn, new ContextSettings { YarnOrigCtx = 4096 }, ContextSetting.YarnOrigCtx);
        Assert.Contains("original_max_position_embeddings", yarn.Message);
        Assert.Equal(Smol3Yarn.Yarn, Apply(Smol3Yarn, new ContextSettings { YarnOrigCtx = 65536 }).Yarn);
    }

    [Fact]
    public void RopeScaleReplacesTheCheckpointsFactorAndKeepsItsOtherParameters()
    {
        var c = Apply(Smol3Yarn with { Yarn = Smol3Yarn.Yarn! with { AttentionFactor = 1.07 } }, new ContextSettings { RopeScale = 4 });
        Assert.Equal(new YarnScaling(4, 65536, BetaFast: 16), c.Yarn);   // an attention factor made for factor 2 is dropped
        Assert.Equal(262144, c.ContextLength);
    }

    [Fact]
    public void YarnSettingsNeedYarn()
    {
        Assert.Contains("--rope-scaling yarn", Refused(Smol3, new ContextSettings { RopeScale = 2 }, ContextSetting.RopeScale).Message);
        Assert.Contains("--rope-scaling yarn", Refused(Smol3, new ContextSettings { YarnOrigCtx = 65536 }, ContextSetting.YarnOrigCtx).Message);
        Assert.Contains("contradicts --rope-scaling none", Refused(Smol3Yarn, new ContextSettings { RopeScaling = "none", RopeScale = 2 }, ContextSetting.RopeScale).Message);
        Assert.Contains("--rope-scale", Refused(Smol3, new ContextSettings { RopeScaling = "yarn" }, ContextSetting.RopeScaling).Message);
        Assert.Contains("'linear' is not supported", Refused(Smol3, new ContextSettings { RopeScaling = "linear", RopeScale = 2 }, ContextSetting.RopeScaling).Message);
    }

    [Fact]
    public void RopeScalingNoneTurnsTheCheckpointsYarnOff()
    {
        var c = Apply(Smol3Yarn, new ContextSettings { RopeScaling = "none" });
        Assert.Null(c.Yarn);
        Assert.Equal(65536, c.ContextLength);
        Refused(Smol3Yarn, new ContextSettings { RopeScaling = "none", ContextLength = 70000 }, ContextSetting.ContextLength);
    }

    [Fact]
    public void AFactorPastWhatTheEngineAddressesIsRefused() =>
        Assert.Contains("more than", Refused(Smol3, new ContextSettings { RopeScaling = "yarn", RopeScale = 1e6 }, ContextSetting.RopeScale).Message);

    [Fact]
    public void NothingSetLeavesTheCheckpointAlone()
    {
        Assert.True(new ContextSettings().IsEmpty);
        Assert.Equal(Smol3Yarn, Apply(Smol3Yarn, new ContextSettings()));
    }

    [Fact]
    public void ACheckpointsOwnBadScalingIsAModelError()
    {
        var e = Assert.Throws<ModelFormatException>(() => (Smol3 with { Yarn = new YarnScaling(0.5, 65536) }).Validate());
        Assert.Contains("factor", e.Message);
    }
}
