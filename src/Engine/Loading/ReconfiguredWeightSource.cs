using TorchSharp;

namespace SmolLM3.Engine.Loading;

/// <summary>A checkpoint's weights under a config the user adjusted (context length, rope scaling); shapes are the checkpoint's.</summary>
sealed class ReconfiguredWeightSource(IWeightSource inner, ModelConfig config) : IWeightSource
{
    public ModelConfig Config { get; } = config;
    public string Description => inner.Description;
    public IReadOnlyList<WeightInfo> Weights => inner.Weights;
    public bool Contains(string name) => inner.Contains(name);
    public torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device) => inner.Load(name, dtype, device);
    public Gguf.GgmlType? PackedType(string name) => inner.PackedType(name);
    public PackedWeight? LoadPacked(string name) => inner.LoadPacked(name);
    public void Dispose() => inner.Dispose();
}
