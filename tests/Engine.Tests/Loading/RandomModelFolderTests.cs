using SmolLM3.Engine.Benchmarking;
using SmolLM3.Engine.Loading;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Tests.Loading;

/// <summary>A random model written as a Hugging Face folder loads back through the normal path with the same weights.</summary>
public sealed class RandomModelFolderTests : IDisposable
{
    readonly TempFolder temp = new();

    [SkippableFact]
    public void WrittenFolderLoadsBackWithTheSameConfigAndWeights()
    {
        var tokenizer = Fixtures.Require("tiny-smollm3", "hf");
        var shape = ModelShapes.SmolLM3_3B with { HiddenSize = 64, IntermediateSize = 96, NumLayers = 4, NumHeads = 4, NumKvHeads = 2, RopeLayers = ModelConfig.NoPeEvery(4, 4) };
        RandomModelFolder.Write(temp.Root, shape, tokenizer, seed: 7);

        using var loaded = ModelSources.Open(temp.Root);
        Assert.Equal(shape.HiddenSize, loaded.Config.HiddenSize);
        Assert.Equal(shape.NumKvHeads, loaded.Config.NumKvHeads);
        Assert.Equal(shape.RopeLayers, loaded.Config.RopeLayers);
        Assert.Equal(shape.TieWordEmbeddings, loaded.Config.TieWordEmbeddings);
        using var expected = new RandomWeightSource(shape, seed: 7);
        Assert.Equal(expected.Weights.Select(w => w.Name).Order(), loaded.Weights.Select(w => w.Name).Order());
        foreach (var w in expected.Weights)
        {
            using var a = expected.Load(w.Name, ScalarType.Float32, CPU);
            using var b = loaded.Load(w.Name, ScalarType.Float32, CPU);
            Assert.True(a.equal(b).all().item<bool>(), w.Name);
        }
        Assert.True(File.Exists(temp.PathFor("tokenizer.json")));
    }

    public void Dispose() => temp.Dispose();
}
