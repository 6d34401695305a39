using SmolLM3.Engine.Loading;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// A compute type and why it was chosen. <c>auto</c> (the default) takes the checkpoint's own type where the device
/// computes in it fast, else F32: BF16 on a CUDA GPU or a CPU with AVX-512 BF16, F16 on a CUDA GPU, F32 everywhere else.
/// A GGUF's quantized matrices stay packed whatever is chosen; they count as F32, the type they dequantize to.
/// </summary>
public sealed record DTypeChoice(ScalarType DType, string Reason)
{
    /// <summary>The name that asks for the choice to be made from the checkpoint and the device.</summary>
    public const string Auto = "auto";

    /// <summary>Every accepted name: <see cref="Auto"/> and <see cref="DTypes.Names"/>.</summary>
    public static readonly IReadOnlyList<string> Names = [Auto, .. DTypes.Names];

    /// <summary>Whether the type was chosen by <see cref="Auto"/> rather than named.</summary>
    public bool IsAuto { get; private init; }

    /// <summary>The type named <paramref name="name"/>, or for <see cref="Auto"/> the one that fits the checkpoint and device.</summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static DTypeChoice Resolve(string name, IWeightSource source, Device device)
    {
        if (name == Auto) return For(CheckpointType(source.Weights), ComputeDevices.Of(device));
        if (!DTypes.Names.Contains(name)) throw new ArgumentException($"dtype '{name}' is not one of {string.Join(", ", Names)}");
        return new DTypeChoice(DTypes.Parse(name), "requested");
    }

    /// <summary>The rule itself: the checkpoint's type on a device that computes in it fast, else F32.</summary>
    public static DTypeChoice For(ScalarType checkpoint, ComputeDevice device)
    {
        var fast = (checkpoint, device) switch
        {
            (ScalarType.BFloat16, ComputeDevice.CpuWithAvx512Bf16 or ComputeDevice.Cuda) => true,
            (ScalarType.Float16, ComputeDevice.Cuda) => true,
            _ => false,
        };
        string why = $"checkpoint {DTypes.NameOf(checkpoint)}" + (checkpoint, device) switch
        {
            (ScalarType.Float32, _) => "",
            (_, ComputeDevice.Cuda) => ", CUDA",
            (ScalarType.Float16, _) => ", CPU computes F16 slowly",
            (_, ComputeDevice.CpuWithAvx512Bf16) => ", CPU has AVX-512 BF16",
            _ => ", CPU lacks AVX-512 BF16",
        };
        return new DTypeChoice(fast ? checkpoint : ScalarType.Float32, why) { IsAuto = true };
    }

    /// <summary>
    /// The floating type most of the checkpoint's bytes are stored in: F32, BF16 or F16 (a quantized or integer tensor
    /// counts as F32, what it dequantizes to); F32 for an empty checkpoint.
    /// </summary>
    public static ScalarType CheckpointType(IEnumerable<WeightInfo> weights) => weights
        .GroupBy(w => w.StorageType switch { "BF16" => ScalarType.BFloat16, "F16" => ScalarType.Float16, _ => ScalarType.Float32 })
        .Select(g => (Type: g.Key, Bytes: g.Sum(w => w.ByteSize)))
        .OrderByDescending(g => g.Bytes)
        .Select(g => g.Type)
        .DefaultIfEmpty(ScalarType.Float32)
        .First();

    /// <summary>For logs: "dtype auto → bf16 (checkpoint bf16, CPU has AVX-512 BF16)", or "dtype f32 (requested)".</summary>
    public override string ToString() => IsAuto ? $"dtype {Auto} → {DTypes.NameOf(DType)} ({Reason})" : $"dtype {DTypes.NameOf(DType)} ({Reason})";
}
