using System.Text;
using System.Text.Json;
using SmolLM3.Engine.Loading;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Benchmarking;

/// <summary>
/// Writes a Hugging Face model folder (config.json, F32 model.safetensors, tokenizer files) holding a
/// <see cref="RandomWeightSource"/>'s weights, so whole-server benchmarks run real-sized models that
/// load through the normal path without a download. The tokenizer comes from an existing folder whose
/// vocabulary matches the shape.
/// </summary>
public static class RandomModelFolder
{
    static readonly string[] TokenizerFiles = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json", "generation_config.json"];

    public static void Write(string folder, ModelConfig config, string tokenizerFolder, long seed = 0)
    {
        if (!File.Exists(Path.Combine(tokenizerFolder, "tokenizer.json")))
            throw new ModelFormatException($"{tokenizerFolder}: no tokenizer.json to give the random model");
        Directory.CreateDirectory(folder);
        foreach (var name in TokenizerFiles)
            if (File.Exists(Path.Combine(tokenizerFolder, name))) File.Copy(Path.Combine(tokenizerFolder, name), Path.Combine(folder, name), overwrite: true);
        File.WriteAllText(Path.Combine(folder, "config.json"), ConfigJson(config));
        using var source = new RandomWeightSource(config, seed);
        WriteSafetensors(Path.Combine(folder, "model.safetensors"), source);
    }

    static string ConfigJson(ModelConfig c)
    {
        var config = new Dictionary<string, object?>
        {
            ["model_type"] = c.Architecture,
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize,
            ["intermediate_size"] = c.IntermediateSize,
            ["num_hidden_layers"] = c.NumLayers,
            ["num_attention_heads"] = c.NumHeads,
            ["num_key_value_heads"] = c.NumKvHeads,
            ["rms_norm_eps"] = c.RmsNormEps,
            ["rope_theta"] = c.RopeTheta,
            ["tie_word_embeddings"] = c.TieWordEmbeddings,
            ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["eos_token_id"] = c.EosTokenIds.Length == 0 ? null : c.EosTokenIds,
        };
        if (c.RopeLayers is { } rope) config["no_rope_layers"] = rope.Select(r => r ? 1 : 0).ToArray();
        return JsonSerializer.Serialize(config);
    }

    /// <summary>safetensors: u64 header length, a JSON header of dtype/shape/byte ranges, then the raw little-endian data.</summary>
    static void WriteSafetensors(string path, IWeightSource source)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var w in source.Weights)
        {
            long bytes = w.Shape.Aggregate(4L, (a, b) => a * b);
            header[w.Name] = new { dtype = "F32", shape = w.Shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;   // keeps the data 8-byte aligned for mapping
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        file.Write(BitConverter.GetBytes((ulong)padded));
        file.Write(json);
        for (int i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        foreach (var w in source.Weights)
        {
            using var t = source.Load(w.Name, ScalarType.Float32, CPU);
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t.data<float>().ToArray().AsSpan()));
        }
    }
}
