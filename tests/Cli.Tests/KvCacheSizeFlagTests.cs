namespace SmolLM3.Cli.Tests;

/// <summary><c>run --kv-cache-size</c>: sizes with units, and a pool too small for an explicit <c>--context-length</c> refused before anything starts.</summary>
public class KvCacheSizeFlagTests
{
    [SkippableFact]
    public async Task APoolThatCannotHoldOneContextIsAUsageErrorWithTheNumbers()
    {
        // tiny-smollm3: 512 bytes a token in f32, 256 in bf16 (the default cache); 4,096 positions need 2 MiB and 1 MiB.
        var model = Fixtures.Require("tiny-smollm3", "hf");
        (await CliRun.Of("run", "--model", model, "--context-length", "4096", "--kv-cache-size", "1MiB", "--dtype", "f32", "--kv-dtype", "f32")).AssertError(2,
            "a KV pool of 1 MiB (1048576 bytes) cannot hold one context of 4096 tokens (--context-length)",
            "512 bytes per token of f32 it needs 2 MiB (2097152 bytes)", "raise --kv-cache-size or lower --context-length");
        (await CliRun.Of("run", "--model", model, "--context-length", "4096", "--dtype", "f32", "--kv-cache-bytes", "1048575")).AssertError(2,
            "cannot hold one context of 4096 tokens", "256 bytes per token of bf16 it needs 1 MiB (1048576 bytes)");
    }

    [Theory]
    [InlineData("12XB", "--kv-cache-size '12XB': unknown unit 'XB'")]
    [InlineData("0", "--kv-cache-size '0': a size must be more than zero")]
    [InlineData("-1GiB", "--kv-cache-size '-1GiB': a size cannot be negative")]
    public async Task ABadSizeIsAUsageErrorNamingTheFlag(string size, string message) =>
        (await CliRun.Of("run", "--model", "m", "--kv-cache-size", size)).AssertError(2, message);
}
