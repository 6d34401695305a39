using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Kernels;

/// <summary>Raw data pointers of contiguous CPU tensors, for the hand-written kernels.</summary>
public static unsafe class TensorPointers
{
    /// <summary>A contiguous CPU tensor's bytes span its own storage (from its offset), so this is its data pointer.</summary>
    public static float* Float(Tensor t) => (float*)Data(t, ScalarType.Float32);

    /// <summary>bfloat16 elements as their raw 16 bits.</summary>
    public static ushort* BFloat16(Tensor t) => (ushort*)Data(t, ScalarType.BFloat16);

    /// <summary>The raw bytes of a contiguous CPU tensor of any element type.</summary>
    public static byte* Bytes(Tensor t) => (byte*)Data(t, t.dtype);

    static void* Data(Tensor t, ScalarType dtype)
    {
        if (!t.is_contiguous() || t.device_type != TorchSharp.DeviceType.CPU || t.dtype != dtype)
            throw new ArgumentException($"expected a contiguous {dtype} CPU tensor, got {t.dtype} on {t.device}", nameof(t));
        return Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
    }
}
