using SmolLM3.Engine.Kernels;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The native settings are in the environment libtorch reads, each left as the user set it.</summary>
public class NativeDefaultsTests
{
    [Fact]
    public void Native_environment_holds_a_wait_policy_once_the_engine_is_used()
    {
        NativeDefaults.Apply();
        // PASSIVE unless whoever runs the tests chose their own policy, which must be left as it was
        string? chosen = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (chosen is not null) Assert.Equal(chosen, OpenMpWaitPolicy.Current);
        else if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is null && Environment.GetEnvironmentVariable("KMP_BLOCKTIME") is null)
            Assert.Equal("PASSIVE", OpenMpWaitPolicy.Current);
    }

    [Fact]
    public void Native_environment_asks_libtorch_for_huge_pages_unless_the_user_chose()
    {
        NativeDefaults.Apply();
        Assert.Equal(Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") ?? "1", TorchHugePages.Current);
    }

    /// <summary>
    /// libtorch honours it: a 64 MiB tensor filled in this process lies on huge pages where the kernel gives them
    /// (Linux with transparent huge pages set to madvise or always; elsewhere the test says so and skips).
    /// </summary>
    [SkippableFact]
    public void Large_tensors_lie_on_huge_pages()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists(setting) && !File.ReadAllText(setting).Contains("[never]"),
            "this kernel gives no transparent huge pages");
        Skip.If(Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE") is { } chosen && chosen != "1", "THP_MEM_ALLOC_ENABLE is set to something else here");
        long before = AnonHugeKiB();
        using var t = torch.ones(16L << 20, dtype: torch.ScalarType.Float32);   // 64 MiB, every page touched
        long after = AnonHugeKiB();
        Assert.True(after - before >= 32 << 10, $"huge pages grew by {after - before} KiB for a 64 MiB tensor");
    }

    static long AnonHugeKiB() => File.ReadLines("/proc/self/smaps_rollup")
        .Where(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]))
        .Sum();
}
