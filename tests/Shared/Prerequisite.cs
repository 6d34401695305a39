namespace SmolLM3.Testing;

/// <summary>
/// What a test needs from the machine (fixtures, redis-server, kubectl). Where it is missing the test is skipped with the
/// reason (a user's clone), unless SMOLLM3_REQUIRE_ALL=1 (set by .ci/run): CI must run every test, so there a
/// missing prerequisite is a failure, not a quiet skip.
/// </summary>
public static class Prerequisite
{
    public static bool Required => Environment.GetEnvironmentVariable("SMOLLM3_REQUIRE_ALL") == "1";

    public static void Need(bool present, string reason)
    {
        if (present) return;
        Assert.False(Required, $"{reason} (SMOLLM3_REQUIRE_ALL=1: every test must run here)");
        Skip.If(true, reason);
    }
}
