namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Makes libtorch's OpenMP workers sleep when a parallel region ends instead of spinning (OMP_WAIT_POLICY=PASSIVE),
/// unless the user chose a policy. Their default spin holds a core for a while after every libtorch call, and our own
/// <see cref="CpuWorkers"/>, the silo's gRPC and Orleans threads and the next step's kernels need those cores: measured on
/// two cores, a 32-token prompt of SmolLM2-135M ran at 21 tokens/s spinning against 180 passive, and a 16-sequence
/// decode step 28 % faster (docs/benchmarks.md). OpenMP reads the variable once, when libtorch is loaded, so this must
/// run before the first torch call (<see cref="NativeDefaults"/>).
/// </summary>
public static class OpenMpWaitPolicy
{
    const string Variable = "OMP_WAIT_POLICY";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE in the native environment unless it (or GOMP_SPINCOUNT / KMP_BLOCKTIME) is set already.</summary>
    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is not null || Environment.GetEnvironmentVariable("KMP_BLOCKTIME") is not null) return;
        NativeEnvironment.SetDefault(Variable, "PASSIVE");
    }

    /// <summary>The policy OpenMP will see (what the native environment holds).</summary>
    public static string? Current => NativeEnvironment.Get(Variable);
}
