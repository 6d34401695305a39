using System.Text.Json;
using TorchSharp;

namespace SmolLM3.Engine.Loading;

/// <summary>A Hugging Face model folder: <c>config.json</c> plus one <c>model.safetensors</c> or shards listed in <c>model.safetensors.index.json</c>.</summary>
public sealed class SafetensorsWeightSource : IWeightSource
{
    readonly List<SafetensorsFile> _files = [];
    readonly Dictionary<string, SafetensorsFile> _byName = new(StringComparer.Ordinal);

    public ModelConfig Config { get; }
    public string Description { get; }
    public IReadOnlyList<WeightInfo> Weights { get; }

    public SafetensorsWeightSource(string folder)
    {
        if (!Directory.Exists(folder)) throw new ModelFormatException($"model folder not found: {folder}");
        Config = HfConfigReader.Read(System.IO.Path.Combine(folder, "config.json"));
        try
        {
            foreach (var file in ShardFiles(folder))
            {
                var st = new SafetensorsFile(file);
                _files.Add(st);
                foreach (var name in st.Names) _byName[name] = st;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
        Weights = _byName.Select(kv => kv.Value.Info(kv.Key)).OrderBy(w => w.Name, StringComparer.Ordinal).ToList();
        Description = $"{folder} (safetensors, {_files.Count} file{(_files.Count == 1 ? "" : "s")})";
    }

    static IEnumerable<string> ShardFiles(string folder)
    {
        var index = System.IO.Path.Combine(folder, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(index));
            if (!doc.RootElement.TryGetProperty("weight_map", out var map))
                throw new ModelFormatException($"{index}: 'weight_map' is missing");
            var files = map.EnumerateObject().Select(p => p.Value.GetString()!).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (var f in files)
            {
                var full = System.IO.Path.Combine(folder, f);
                if (!File.Exists(full)) throw new ModelFormatException($"{index} names shard '{f}', which is missing");
                yield return full;
            }
            yield break;
        }
        var single = System.IO.Path.Combine(folder, "model.safetensors");
        if (!File.Exists(single)) throw new ModelFormatException($"{folder}: neither model.safetensors nor model.safetensors.index.json found");
        yield return single;
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device) =>
        _byName.TryGetValue(name, out var f)
            ? f.Load(name, dtype, device)
            : throw new ModelFormatException($"{Description}: tensor '{name}' is missing");

    /// <summary>BF16 matrices can be held as stored (<see cref="Model.CausalLM"/> decides where that pays).</summary>
    public Gguf.GgmlType? PackedType(string name) =>
        _byName.TryGetValue(name, out var f) && f.Info(name) is { StorageType: "BF16", Shape.Length: 2 } ? Gguf.GgmlType.BF16 : null;

    public PackedWeight? LoadPacked(string name) => _byName.TryGetValue(name, out var f) ? f.LoadBf16Matrix(name) : null;

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        _files.Clear();
    }
}
