using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Kernels;

/// <summary>Raw data pointers of contiguous CPU tensors, for the hand-written kernels.</summary>
public static unsafe class TensorPointers
{
    /// <summary>A contiguous CPU tensor's bytes span its own storage (from its offset), so this is its data pointer.</summary>
    public static float* Float(Tensor t)
    {
        if (!t.is_contiguous() || t.device_type != TorchSharp.DeviceType.CPU || t.dtype != ScalarType.Float32)
            throw new ArgumentException("expected a contiguous float32 CPU tensor", nameof(t));
        return (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));
    }
}
