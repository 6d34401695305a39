using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>The compute types a model runs in, by the names the CLI and the silo's configuration use.</summary>
public static class DTypes
{
    /// <summary>Every accepted name.</summary>
    public static readonly IReadOnlyList<string> Names = ["f32", "bf16", "f16"];

    /// <summary>The type named <paramref name="name"/>; throws <see cref="ArgumentException"/> naming the accepted ones.</summary>
    public static ScalarType Parse(string name) => name switch
    {
        "f32" => ScalarType.Float32,
        "bf16" => ScalarType.BFloat16,
        "f16" => ScalarType.Float16,
        _ => throw new ArgumentException($"dtype '{name}' is not one of {string.Join(", ", Names)}"),
    };

    /// <summary>The name of <paramref name="type"/> (f32, bf16, f16); throws <see cref="ArgumentException"/> for another type.</summary>
    public static string NameOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => "f32",
        ScalarType.BFloat16 => "bf16",
        ScalarType.Float16 => "f16",
        _ => throw new ArgumentException($"{type} is not one of the compute types {string.Join(", ", Names)}"),
    };

    /// <summary>Bytes per element of a compute type.</summary>
    public static int ElementSize(ScalarType type) => type switch
    {
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentException($"{type} is not one of the compute types {string.Join(", ", Names)}"),
    };
}
