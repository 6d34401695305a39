using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Benchmarking;

/// <summary>
/// Random weights with a config's exact shapes (norms at 1, others N(0, 0.02)), generated on the fly
/// from a seed, so benchmarks run real-sized models without any download.
/// </summary>
/// With <paramref name="packQ8_0"/> every matrix (the embedding and an untied head included) is offered
/// packed in Q8_0, as a Q8_0 GGUF would offer them.
public sealed class RandomWeightSource(ModelConfig config, long seed = 0, bool packQ8_0 = false) : IWeightSource
{
    public ModelConfig Config { get; } = config.Validate();
    public string Description => $"random {Config.Architecture} weights (hidden {Config.HiddenSize}, {Config.NumLayers} layers)";

    readonly Dictionary<string, long[]> _shapes = ExpectedWeights.For(config).ToDictionary(w => w.Name, w => w.Shape, StringComparer.Ordinal);

    public IReadOnlyList<WeightInfo> Weights { get; } = ExpectedWeights.For(config)
        .Select(w => new WeightInfo(w.Name, w.Shape, "F32", w.Shape.Aggregate(4L, (a, b) => a * b)))
        .ToList();

    public bool Contains(string name) => _shapes.ContainsKey(name);

    public Gguf.GgmlType? PackedType(string name) =>
        packQ8_0 && _shapes.TryGetValue(name, out var shape) && shape.Length == 2 ? Gguf.GgmlType.Q8_0 : null;

    public PackedWeight? LoadPacked(string name)
    {
        if (PackedType(name) is null) return null;
        var shape = _shapes[name];
        using var w = Load(name, ScalarType.Float32, CPU);
        return PackedWeight.QuantizeQ8_0(w.data<float>().ToArray(), (int)shape[0], (int)shape[1]);
    }

    public Tensor Load(string name, ScalarType dtype, Device device)
    {
        if (!_shapes.TryGetValue(name, out var shape)) throw new ModelFormatException($"{Description}: no tensor '{name}'");
        if (name.EndsWith("norm.weight", StringComparison.Ordinal)) return ones(shape, dtype, device);
        var gen = new Generator((ulong)seed ^ StableHash(name));
        using var w = normal(0, 0.02, shape, generator: gen);
        return w.to(dtype, device);
    }

    // FNV-1a: string.GetHashCode is randomized per process, and runs must be repeatable.
    static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037;
        foreach (char ch in s) h = (h ^ ch) * 1099511628211;
        return h;
    }

    public void Dispose() { }
}
