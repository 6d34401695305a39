using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

public class OpenMpWaitPolicyTests
{
    [Fact]
    public void Native_environment_holds_a_policy_once_the_engine_is_used()
    {
        OpenMpWaitPolicy.Apply();
        // PASSIVE unless whoever runs the tests chose their own policy, which must be left as it was
        string? chosen = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (chosen is not null) Assert.Equal(chosen, OpenMpWaitPolicy.Current);
        else if (Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") is null && Environment.GetEnvironmentVariable("KMP_BLOCKTIME") is null)
            Assert.Equal("PASSIVE", OpenMpWaitPolicy.Current);
    }
}
