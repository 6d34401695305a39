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

    /// <summary>libtorch honours it: a 64 MiB tensor's memory is marked for huge pages (Linux with THP; elsewhere the test skips).</summary>
    [SkippableFact]
    public unsafe void Large_tensors_are_marked_for_huge_pages()
    {
        Skip.If(HugePageMappings.Unavailable() is not null, HugePageMappings.Unavailable());
        NativeDefaults.Apply();
        Skip.IfNot(TorchHugePages.Enabled, "THP_MEM_ALLOC_ENABLE switches huge pages off here");
        using var t = torch.ones(16L << 20, dtype: torch.ScalarType.Float32);
        long at = (long)TensorPointers.Float(t);
        Assert.True(HugePageMappings.Has(at, "hg"), $"the tensor's mapping has flags '{HugePageMappings.Flags(at)}', no hg");
    }
}
