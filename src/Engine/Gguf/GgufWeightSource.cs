using SmolLM3.Engine.Loading;
using TorchSharp;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// A GGUF checkpoint seen as Hugging Face weights: names translated, shapes in PyTorch order,
/// tensors dequantized to float32 and q/k rows un-permuted on <see cref="Load"/>. Every tensor the
/// config implies is checked for presence and shape when the file is opened.
/// </summary>
public sealed class GgufWeightSource : IWeightSource
{
    readonly GgufFile file;
    readonly Dictionary<string, GgufTensorInfo> byHfName = [];

    public ModelConfig Config { get; }
    public string Description { get; }
    public IReadOnlyList<WeightInfo> Weights { get; }

    /// <summary>All header metadata (tokenizer.ggml.*, tokenizer.chat_template, …).</summary>
    public GgufMetadata Metadata => file.Metadata;

    public GgufFile File => file;

    GgufWeightSource(GgufFile file)
    {
        this.file = file;
        foreach (var t in file.Tensors)
            if (GgufTensorNames.ToHuggingFace(t.Name) is { } hf) byHfName[hf] = t;
        Config = GgufModelConfig.FromMetadata(file.Metadata, file.TryGetTensor("output.weight", out _), file.Path);
        Description = $"{file.Path} (GGUF v{file.Version}, {Config.Architecture}, {DescribeTypes(file)})";
        ValidateShapes();
        Weights = byHfName.Select(kv => new WeightInfo(kv.Key, kv.Value.Shape, kv.Value.Type.ToString(), kv.Value.ByteSize)).ToList();
    }

    /// <exception cref="ModelFormatException">Not a readable GGUF, an unsupported architecture, or tensors that disagree with the config.</exception>
    public static GgufWeightSource Open(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            return new GgufWeightSource(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Contains(string name) => byHfName.ContainsKey(name);

    public torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device)
    {
        if (!byHfName.TryGetValue(name, out var info))
            throw new ModelFormatException($"{file.Path}: tensor '{name}' is missing (GGUF name '{GgufTensorNames.ToGguf(name) ?? "unknown"}')");
        var shape = info.Shape;
        // dequantized straight into the tensor: an F32 model's weights had each passed through a managed array first,
        // the model's size again in large-object garbage that stayed committed after loading
        var tensor = torch.empty(shape, torch.ScalarType.Float32);
        try
        {
            unsafe
            {
                float* values = Kernels.TensorPointers.Float(tensor);
                file.DequantizeInto(info, values);
                if (PermutedHeads(name) is { } heads) LlamaCppPermutation.UnpermuteInPlace(values, (int)shape[0], (int)shape[1], heads);
            }
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        if (dtype == torch.ScalarType.Float32 && device.type == DeviceType.CPU) return tensor;
        using (tensor) return tensor.to(dtype, device);
    }

    /// <summary>Quantized matrices as their blocks (rows un-permuted like <see cref="Load"/>); plain F32/F16/BF16 ones are for <see cref="Load"/>.</summary>
    public GgmlType? PackedType(string name) =>
        byHfName.TryGetValue(name, out var info) && PackedWeight.Supports(info.Type) && info.Shape.Length == 2 ? info.Type : null;

    public PackedWeight? LoadPacked(string name)
    {
        if (PackedType(name) is null) return null;
        var info = byHfName[name];
        int rows = (int)info.Shape[0], cols = (int)info.Shape[1];
        var packed = PackedWeight.FromBlocks(info.Type, file.GetTensorBytes(info), rows, cols);
        int? heads = PermutedHeads(name);
        if (heads is null) return packed;
        // the same row order the dense matrix takes in place
        return packed.SelectRows(LlamaCppPermutation.RowOrder(rows, heads.Value));
    }

    /// <summary>The heads whose rows llama.cpp's converter reordered in this matrix (Q and K projections), else null.</summary>
    int? PermutedHeads(string name) =>
        name.EndsWith("self_attn.q_proj.weight") ? Config.NumHeads : name.EndsWith("self_attn.k_proj.weight") ? Config.NumKvHeads : null;

    void ValidateShapes()
    {
        foreach (var (name, expected) in ExpectedWeights.For(Config))
        {
            if (!byHfName.TryGetValue(name, out var t))
                throw new ModelFormatException($"{file.Path}: tensor '{GgufTensorNames.ToGguf(name)}' ({name}) is missing");
            if (!t.Shape.SequenceEqual(expected))
                throw new ModelFormatException(
                    $"{file.Path}: tensor '{t.Name}' ({name}) has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", expected)}] from the config");
        }
    }

    static string DescribeTypes(GgufFile file) =>
        string.Join(" ", file.Tensors.GroupBy(t => t.Type).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}×{g.Count()}"));

    public void Dispose() => file.Dispose();
}
