using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// How a KV cache stores each row of head_dim keys or values: F32, BF16 or F16 elements, or Q8_0 blocks
/// (<see cref="Q8_0Rows"/>, llama.cpp's <c>-ctk q8_0 -ctv q8_0</c>; CPU only). Named as <c>--kv-dtype</c> and the
/// silo's <c>KvDType</c> setting name them; the instances below are the only ones.
/// </summary>
public sealed class KvFormat
{
    public static readonly KvFormat F32 = new("f32", ScalarType.Float32, ScalarType.Float32);
    public static readonly KvFormat BF16 = new("bf16", ScalarType.BFloat16, ScalarType.BFloat16);
    public static readonly KvFormat F16 = new("f16", ScalarType.Float16, ScalarType.Float16);

    /// <summary>Bytes of Q8_0 blocks, quantized from F32 as they are written.</summary>
    public static readonly KvFormat Q8_0 = new("q8_0", ScalarType.Byte, ScalarType.Float32);

    public static readonly IReadOnlyList<KvFormat> All = [F32, BF16, F16, Q8_0];

    /// <summary>Every accepted name.</summary>
    public static readonly IReadOnlyList<string> Names = [.. All.Select(f => f.Name)];

    public string Name { get; }

    /// <summary>Element type of the pool's storage tensors (Byte for Q8_0's blocks).</summary>
    public ScalarType StorageType { get; }

    /// <summary>Type one position's keys and values are handed to the pool in (Q8_0 quantizes them on the way in).</summary>
    public ScalarType WriteType { get; }

    /// <summary>Whether rows are blocks of bytes rather than elements a torch tensor of <see cref="StorageType"/> reads as values.</summary>
    public bool IsQuantized => this == Q8_0;

    KvFormat(string name, ScalarType storage, ScalarType write) => (Name, StorageType, WriteType) = (name, storage, write);

    /// <summary>Whether rows of <paramref name="headDim"/> values can be stored.</summary>
    public bool Fits(int headDim) => IsQuantized ? Q8_0Rows.Fits(headDim) : headDim > 0;

    /// <summary>Bytes of one row of <paramref name="headDim"/> keys or values.</summary>
    public int RowBytes(int headDim) => IsQuantized ? Q8_0Rows.RowBytes(headDim) : headDim * StorageType.ElementSize();

    /// <summary>Throws <see cref="ArgumentException"/> unless caches of <paramref name="config"/>'s shape can be held in this format on <paramref name="device"/>.</summary>
    public void Require(ModelConfig config, Device device)
    {
        if (IsQuantized && device.type != DeviceType.CPU)
            throw new ArgumentException($"{Name} KV cache is CPU-only (the model is on {device}); choose {string.Join(", ", Names.Where(n => n != Name))}");
        if (!Fits(config.HeadDim))
            throw new ArgumentException($"{Name} KV cache cannot hold this model's rows of head_dim {config.HeadDim}: {Q8_0Rows.LengthRule}");
    }

    /// <summary>The format named <paramref name="name"/>; throws <see cref="ArgumentException"/> naming the accepted ones.</summary>
    public static KvFormat Parse(string name) =>
        All.FirstOrDefault(f => f.Name == name) ?? throw new ArgumentException($"KV dtype '{name}' is not one of {string.Join(", ", Names)}");

    /// <summary>
    /// A model's KV cache unless one is chosen: 16 bits a value, as llama.cpp's F16 and vLLM's model-dtype caches are.
    /// F16 compute keeps F16; F32 and BF16 compute take BF16, whose rows widen to F32 exactly (a shift) and which holds
    /// twice F32's tokens in the same memory. F32 (<c>--kv-dtype f32</c>) is the exact choice the fixtures' kvf32
    /// references are held to.
    /// </summary>
    public static KvFormat DefaultFor(ScalarType dtype) => Of(dtype) == F16 ? F16 : BF16;

    /// <summary>The format that holds values of <paramref name="dtype"/> as they are.</summary>
    public static KvFormat Of(ScalarType dtype) =>
        All.FirstOrDefault(f => !f.IsQuantized && f.StorageType == dtype) ?? throw new ArgumentException($"a KV cache cannot hold {dtype}; only {string.Join(", ", Names)}");

    public override string ToString() => Name;
}
