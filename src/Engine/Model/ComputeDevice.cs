using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>What a device computes fast, as far as choosing a compute type goes.</summary>
public enum ComputeDevice
{
    /// <summary>A CPU without AVX-512 BF16: BF16 and F16 arithmetic is emulated through F32, slower than F32 itself.</summary>
    Cpu,

    /// <summary>A CPU with AVX-512 BF16 (or AVX10.1, which includes it): BF16 matrix products run natively.</summary>
    CpuWithAvx512Bf16,

    /// <summary>A CUDA GPU: F16 and BF16 run at least as fast as F32.</summary>
    Cuda,
}

/// <summary>Classifies a torch device; the CPU's features are read once.</summary>
public static class ComputeDevices
{
    static readonly Lazy<bool> CpuBf16 = new(DetectAvx512Bf16);

    public static ComputeDevice Of(Device device) =>
        device.type == DeviceType.CUDA ? ComputeDevice.Cuda : CpuBf16.Value ? ComputeDevice.CpuWithAvx512Bf16 : ComputeDevice.Cpu;

    // .NET exposes no Avx512Bf16 class; AVX10.1 implies it, and Linux lists it as a cpuinfo flag.
    static bool DetectAvx512Bf16()
    {
        if (Avx10v1.IsSupported) return true;
        try
        {
            return File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo")
                .Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ').Contains("avx512_bf16"));
        }
        catch (IOException) { return false; }
    }
}
