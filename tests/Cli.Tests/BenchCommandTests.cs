using System.Text.Json;

namespace SmolLM3.Cli.Tests;

/// <summary>The bench command's output contract (figures themselves are measured, not asserted).</summary>
public class BenchCommandTests
{
    /// <summary>Runs smollm3 with <paramref name="args"/>, which must succeed, and parses its JSON output.</summary>
    static async Task<JsonElement> JsonOf(params string[] args)
    {
        var run = await CliRun.Of(args);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var doc = JsonDocument.Parse(run.Stdout);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task JsonHasTheAgreedFieldsForOneConfiguration()
    {
        var root = await JsonOf("bench", "--shape", "smollm2-135m", "--dtype", "f32", "--prompt-tokens", "16", "--decode-tokens", "4", "--repeats", "1", "--json");
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        foreach (var field in new[] { "prefill_tokens_per_s", "decode_tokens_per_s", "peak_rss_bytes", "decode_bound_tokens_per_s" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        // 134.5M parameters × 4 bytes, read once per decode step
        Assert.Equal(134_515_008L * 4, root.GetProperty("weight_bytes").GetInt64());
        Assert.Equal("smollm2-135m", root.GetProperty("shape").GetString());
        Assert.Equal("bf16", root.GetProperty("kv_dtype").GetString());   // the default cache, 16 bits a value
    }

    [Fact]
    public async Task KvDTypeSetsHowTheCacheHoldsKeysAndValues()
    {
        // decode at depth through a paged pool: the kernel reads the Q8_0 blocks in place
        var root = await JsonOf("bench", "--shape", "smollm2-135m", "--prompt-tokens", "8", "--decode-tokens", "2", "--repeats", "1",
            "--depth", "40", "--kv-block-tokens", "16", "--kv-dtype", "q8_0", "--json");
        Assert.Equal("q8_0", root.GetProperty("kv_dtype").GetString());
        Assert.True(root.GetProperty("decode_tokens_per_s").GetDouble() > 0);
    }

    [Fact]
    public async Task BatchAddsTheBatchedDecodeRateAndItsRatioToOneSequence()
    {
        var root = await JsonOf("bench", "--shape", "smollm2-135m", "--prompt-tokens", "8", "--decode-tokens", "3", "--repeats", "1", "--batch", "3", "--json");
        Assert.Equal(3, root.GetProperty("batch").GetInt32());
        double batched = root.GetProperty("batch_decode_tokens_per_s").GetDouble(), one = root.GetProperty("decode_tokens_per_s").GetDouble();
        Assert.True(batched > 0);
        // the rates are rounded to 2 decimals in the JSON, the ratio from the unrounded ones
        Assert.InRange(root.GetProperty("batch_speedup").GetDouble(), batched / one * 0.98 - 0.001, batched / one * 1.02 + 0.001);
    }

    [Fact]
    public async Task DepthMeasuresDecodeWithThatManyTokensCached()
    {
        // 300 tokens: more than one prefill chunk, through a paged pool
        var root = await JsonOf("bench", "--shape", "smollm2-135m", "--prompt-tokens", "8", "--decode-tokens", "3", "--repeats", "1",
            "--depth", "300", "--kv-block-tokens", "16", "--batch", "2", "--json");
        Assert.Equal(300, root.GetProperty("depth").GetInt32());
        Assert.Equal(8, root.GetProperty("prompt_tokens").GetInt32());
        foreach (var field in new[] { "prefill_tokens_per_s", "decode_tokens_per_s", "batch_decode_tokens_per_s", "peak_rss_bytes" })
            Assert.True(root.GetProperty(field).GetDouble() > 0, field);
        // the peak covers the weights, which the run holds throughout, and what the caches added after loading
        Assert.True(root.GetProperty("peak_rss_bytes").GetInt64() > root.GetProperty("weight_bytes").GetInt64());
        Assert.True(root.GetProperty("loaded_rss_bytes").GetInt64() > root.GetProperty("weight_bytes").GetInt64());
        Assert.True(root.GetProperty("peak_rss_bytes").GetInt64() >= root.GetProperty("loaded_rss_bytes").GetInt64());
        // the batch decodes at the same depth: its ratio is to the single sequence's rate there
        double batched = root.GetProperty("batch_decode_tokens_per_s").GetDouble(), one = root.GetProperty("decode_tokens_per_s").GetDouble();
        Assert.InRange(root.GetProperty("batch_speedup").GetDouble(), batched / one * 0.98 - 0.001, batched / one * 1.02 + 0.001);
    }

    [Fact]
    public async Task WithoutDepthTheJsonHasNone()
    {
        var root = await JsonOf("bench", "--shape", "smollm2-135m", "--prompt-tokens", "8", "--decode-tokens", "2", "--repeats", "1", "--json");
        Assert.False(root.TryGetProperty("depth", out _));
    }

    [Theory]
    [InlineData("--depth must be at least 1", "--depth", "0")]
    [InlineData("the context holds 8192", "--depth", "8192")]
    [InlineData("the context holds 8192", "--prompt-tokens", "8190", "--decode-tokens", "3")]
    public async Task DepthOrPromptBeyondTheContextIsAUsageError(string error, params string[] args)
    {
        var run = await CliRun.Of(["bench", "--shape", "smollm2-135m", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(error, run.Stderr);
    }

    [SkippableTheory]
    [InlineData("--model")]
    [InlineData("--gguf")]
    public async Task ModelMeasuresACheckpointFile(string flag)
    {
        // the GGUF llama-bench would be given: the row is named by the file, and its weights are the file's (F16 widened to F32)
        var model = Fixtures.Require("tiny-smollm2", "model-f16.gguf");
        var root = await JsonOf("bench", flag, model, "--prompt-tokens", "40", "--decode-tokens", "3", "--repeats", "1", "--kv-block-tokens", "16", "--json");
        Assert.Equal("model-f16.gguf", root.GetProperty("shape").GetString());
        Assert.Equal(40, root.GetProperty("prompt_tokens").GetInt32());
        Assert.True(root.GetProperty("prefill_tokens_per_s").GetDouble() > 0);
        // every F16 element of the file's tensors becomes 4 bytes
        long f16Elements = 0;
        using (var gguf = SmolLM3.Engine.Gguf.GgufFile.Open(model))
            f16Elements = gguf.Tensors.Where(t => t.Type == SmolLM3.Engine.Gguf.GgmlType.F16).Sum(t => t.ElementCount);
        Assert.True(f16Elements > 0);
        Assert.InRange(root.GetProperty("weight_bytes").GetInt64(), f16Elements * 4, long.MaxValue);
    }

    [SkippableFact]
    public async Task DTypeDefaultsToWhatRunPicksForTheCheckpoint()
    {
        // a BF16 checkpoint computes in BF16 on a CPU with AVX-512 BF16, else in F32, as run's --dtype auto picks
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var root = await JsonOf("bench", "--model", model, "--prompt-tokens", "8", "--decode-tokens", "2", "--repeats", "1", "--json");
        var want = SmolLM3.Engine.Model.DTypeChoice.For(TorchSharp.torch.ScalarType.BFloat16, SmolLM3.Engine.Model.ComputeDevices.Of(TorchSharp.torch.CPU)).DType;
        Assert.Equal(want.ToString(), root.GetProperty("dtype").GetString());
        // random weights are F32
        root = await JsonOf("bench", "--shape", "smollm2-135m", "--prompt-tokens", "8", "--decode-tokens", "2", "--repeats", "1", "--json");
        Assert.Equal("Float32", root.GetProperty("dtype").GetString());
    }

    [Fact]
    public async Task ContextFlagsRaiseTheShapesContext()
    {
        // YaRN factor 2 over SmolLM2's 8,192 positions: 16,384 (the refusal names the new context)
        var run = await CliRun.Of("bench", "--shape", "smollm2-135m", "--rope-scaling", "yarn", "--rope-scale", "2", "--prompt-tokens", "16380", "--decode-tokens", "10");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("the context holds 16384", run.Stderr);
        // past what the rope scaling supports
        run = await CliRun.Of("bench", "--shape", "smollm2-135m", "--context-length", "16384");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--rope-scaling yarn", run.Stderr);
    }

    [Fact]
    public async Task ShapeAndModelTogetherIsAUsageError()
    {
        var run = await CliRun.Of("bench", "--shape", "smollm2-135m", "--model", "some.gguf");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--shape and --model", run.Stderr);
    }

    [Fact]
    public async Task BatchBelowOneIsAUsageError()
    {
        var run = await CliRun.Of("bench", "--batch", "0");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--batch must be at least 1", run.Stderr);
    }

    [SkippableFact]
    public async Task ClusterBenchGeneratesTheSameTokensOnBothPaths()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        var rows = (await JsonOf("bench", "cluster", "--model", model, "--streams", "1", "3", "--max-tokens", "6", "--repeats", "1", "--json")).EnumerateArray().ToList();
        Assert.Equal([1, 3], rows.Select(r => r.GetProperty("streams").GetInt32()));
        foreach (var row in rows)
        {
            // Same prompts, greedy, same stop tokens: the gateway path must produce exactly what the scheduler does directly.
            long tokens = row.GetProperty("direct_tokens").GetInt64();
            Assert.InRange(tokens, row.GetProperty("streams").GetInt32(), row.GetProperty("streams").GetInt32() * 6);
            Assert.Equal(tokens, row.GetProperty("cluster_tokens").GetInt64());
            Assert.True(row.GetProperty("cluster_tokens_per_s").GetDouble() > 0);
            Assert.True(row.GetProperty("cluster_ttft_p99_ms").GetDouble() >= row.GetProperty("cluster_ttft_p50_ms").GetDouble());
        }
    }

    [Theory]
    [InlineData("give either --model or --shape")]
    [InlineData("--shape needs --tokenizer", "--shape", "smollm2-135m")]
    [InlineData("give either --model or --shape", "--shape", "smollm2-135m", "--model", "x")]
    public async Task ClusterBenchNeedsExactlyOneModelSource(string error, params string[] args)
    {
        var run = await CliRun.Of(["bench", "cluster", .. args]);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(error, run.Stderr);
    }

    [Fact]
    public async Task UnknownShapeIsAUsageError()
    {
        var run = await CliRun.Of("bench", "--shape", "gpt-5");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("gpt-5", run.Stderr);
    }
}
