namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Puts libtorch's CPU allocations of 2 MiB and more (the dense weights; the KV pool opts out, <see cref="HugePageAdvice.Refuse"/>)
/// on transparent huge pages (THP_MEM_ALLOC_ENABLE=1: libtorch aligns them to 2 MiB and asks the kernel with madvise),
/// unless the user set the variable. Decode streams every weight once per step, and on 4 KiB pages that is a TLB miss every 4 KiB; measured on two
/// cores (SmolLM2-135M F32, docs/benchmarks.md) 16 streams ran ~2–3 % faster and one stream ~3 %. Linux kernels set to
/// <c>madvise</c> or <c>always</c> honour it, and elsewhere it changes nothing. libtorch reads the variable at its first
/// allocation, so this runs before the first torch call (<see cref="NativeDefaults"/>).
/// </summary>
public static class TorchHugePages
{
    const string Variable = "THP_MEM_ALLOC_ENABLE";

    /// <summary>Sets THP_MEM_ALLOC_ENABLE=1 in the native environment unless it is set already.</summary>
    public static void Apply() => NativeEnvironment.SetDefault(Variable, "1");

    /// <summary>What libtorch will see.</summary>
    public static string? Current => NativeEnvironment.Get(Variable);

    /// <summary>Whether large buffers go on huge pages: libtorch's (its reading of the variable) and the engine's own packed blocks.</summary>
    public static bool Enabled => Current == "1";
}
