using System.Text.Json;

namespace SmolLM3.Cli.Tests;

/// <summary>The bench command's output contract (figures themselves are measured, not asserted).</summary>
public class BenchCommandTests
{
    [Fact]
    public async Task JsonHasTheAgreedFieldsForOneConfiguration()
    {
        var run = await CliRun.Of("bench", "--shape", "smollm2-135m", "--dtype", "f32", "--prompt-tokens", "16", "--decode-tokens", "4", "--repeats", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        foreach (var field in new[] { "prefill_tokens_per_s", "decode_tokens_per_s", "peak_rss_bytes", "decode_bound_tokens_per_s" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        // 134.5M parameters × 4 bytes, read once per decode step
        Assert.Equal(134_515_008L * 4, root.GetProperty("weight_bytes").GetInt64());
        Assert.Equal("smollm2-135m", root.GetProperty("shape").GetString());
    }

    [Fact]
    public async Task UnknownShapeIsAUsageError()
    {
        var run = await CliRun.Of("bench", "--shape", "gpt-5");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("gpt-5", run.Stderr);
    }
}
