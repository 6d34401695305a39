using System.Text;
using System.Text.Json;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Loading;

/// <summary>Broken Hugging Face folders give a <see cref="ModelFormatException"/> that names the problem.</summary>
public class SafetensorsErrorTests : IDisposable
{
    readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>Copies tiny-smollm3/hf into a temp folder, applying <paramref name="edit"/> to its config.</summary>
    string CopyModel(Action<Dictionary<string, JsonElement>>? edit = null)
    {
        var src = Fixtures.Require("tiny-smollm3", "hf");
        var dst = Directory.CreateDirectory(_tmp.PathFor(Guid.NewGuid().ToString("N"))).FullName;
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, Path.Combine(dst, Path.GetFileName(f)));
        if (edit is not null)
        {
            var cfg = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(dst, "config.json")))!;
            edit(cfg);
            File.WriteAllText(Path.Combine(dst, "config.json"), JsonSerializer.Serialize(cfg));
        }
        return dst;
    }

    static ModelFormatException LoadFails(string folder) => Assert.Throws<ModelFormatException>(() =>
    {
        using var src = ModelSources.Open(folder);
        using var lm = CausalLM.Load(src, torch.ScalarType.Float32, torch.CPU);
    });

    [SkippableFact]
    public void TruncatedWeightsFileNamesTheTensorPastTheEnd()
    {
        var dir = CopyModel();
        var file = Path.Combine(dir, "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var ex = LoadFails(dir);
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("model.safetensors", ex.Message);
    }

    [SkippableFact]
    public void GarbageHeaderIsNotMistakenForWeights()
    {
        var dir = CopyModel();
        File.WriteAllBytes(Path.Combine(dir, "model.safetensors"), Encoding.ASCII.GetBytes("this is not a safetensors file at all"));
        Assert.Contains("header", LoadFails(dir).Message);
    }

    [SkippableFact]
    public void MissingRequiredConfigFieldIsNamed()
    {
        var ex = LoadFails(CopyModel(c => c.Remove("num_attention_heads")));
        Assert.Contains("'num_attention_heads'", ex.Message);
    }

    [SkippableFact]
    public void ShapeMismatchWithConfigNamesTensorAndShapes()
    {
        var ex = LoadFails(CopyModel(c => c["intermediate_size"] = JsonSerializer.SerializeToElement(128)));
        Assert.Contains("mlp.gate_proj.weight", ex.Message);
        Assert.Contains("[256, 64]", ex.Message);
        Assert.Contains("[128, 64]", ex.Message);
    }

    [SkippableFact]
    public void UntiedConfigOverTiedWeightsReportsTheMissingHead()
    {
        var ex = LoadFails(CopyModel(c => c["tie_word_embeddings"] = JsonSerializer.SerializeToElement(false)));
        Assert.Contains("lm_head.weight", ex.Message);
        Assert.Contains("missing", ex.Message);
    }

    [SkippableFact]
    public void NoRopeLayersOfTheWrongLengthIsRejected()
    {
        var ex = LoadFails(CopyModel(c => c["no_rope_layers"] = JsonSerializer.SerializeToElement(new[] { 1, 0 })));
        Assert.Contains("no_rope_layers", ex.Message);
    }

    [SkippableFact]
    public void UnsupportedModelTypeIsNamed()
    {
        var ex = LoadFails(CopyModel(c => c["model_type"] = JsonSerializer.SerializeToElement("gpt_neox")));
        Assert.Contains("gpt_neox", ex.Message);
    }

    [Fact]
    public void MissingFolderAndMissingWeightsAreReported()
    {
        Assert.Contains("not found", Assert.Throws<ModelFormatException>(() => ModelSources.Open(_tmp.PathFor("nope"))).Message);
        var empty = Directory.CreateDirectory(_tmp.PathFor("empty")).FullName;
        File.WriteAllText(Path.Combine(empty, "config.json"), """{"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,"num_attention_heads":2}""");
        Assert.Contains("model.safetensors", Assert.Throws<ModelFormatException>(() => ModelSources.Open(empty)).Message);
    }

    [SkippableFact]
    public void ShardedFolderWithAMissingShardNamesIt()
    {
        var src = Fixtures.Require("tiny-smollm2", "hf");
        var dst = Directory.CreateDirectory(_tmp.PathFor("sharded")).FullName;
        foreach (var f in Directory.GetFiles(src).Where(f => Path.GetFileName(f) != "model-00002-of-00002.safetensors"))
            File.Copy(f, Path.Combine(dst, Path.GetFileName(f)));
        var ex = Assert.Throws<ModelFormatException>(() => ModelSources.Open(dst));
        Assert.Contains("model-00002-of-00002.safetensors", ex.Message);
    }
}
