using System.Text.Json;

namespace SmolLM3.Cli.Tests;

public class InspectCommandTests
{
    static async Task<JsonElement> InspectJson(string model)
    {
        var run = await CliRun.Of("inspect", "--model", model, "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("", run.Stderr);
        return JsonDocument.Parse(run.Stdout).RootElement;
    }

    static void AssertTinySmolLM3(JsonElement r)
    {
        Assert.Equal("smollm3", r.GetProperty("architecture").GetString());
        Assert.Equal(64, r.GetProperty("hidden_size").GetInt32());
        Assert.Equal(4, r.GetProperty("num_layers").GetInt32());
        Assert.Equal([3], r.GetProperty("nope_layers").EnumerateArray().Select(e => e.GetInt32()));
        Assert.True(r.GetProperty("tied_embeddings").GetBoolean());
        Assert.Equal(128256, r.GetProperty("vocab_size").GetInt32());
        // K and V, 4 layers, 1 KV head of 16, BF16.
        Assert.Equal(2 * 4 * 16 * 2, r.GetProperty("kv_cache_bytes_per_token").GetInt64());
        // per --kv-dtype: per token, and 128k tokens of it
        var kv = r.GetProperty("kv_cache").EnumerateArray().ToDictionary(k => k.GetProperty("type").GetString()!);
        Assert.Equal(["f32", "bf16", "f16", "q8_0"], kv.Keys);
        Assert.Equal((2 * 4 * 16 * 4L, 2 * 4 * 16 * 2L), (kv["f32"].GetProperty("bytes_per_token").GetInt64(), kv["f16"].GetProperty("bytes_per_token").GetInt64()));
        var at128k = kv["bf16"].GetProperty("sizes").EnumerateArray().Single(s => s.GetProperty("tokens").GetInt32() == 131072);
        Assert.Equal(131072L * 2 * 4 * 16 * 2, at128k.GetProperty("bytes").GetInt64());
    }

    static Dictionary<string, (int Tensors, long Bytes)> Storage(JsonElement r) =>
        r.GetProperty("storage").EnumerateArray().ToDictionary(
            s => s.GetProperty("type").GetString()!,
            s => (s.GetProperty("tensors").GetInt32(), s.GetProperty("bytes").GetInt64()));

    [SkippableFact]
    public async Task Json_describes_the_tiny_SmolLM3_folder()
    {
        var r = await InspectJson(Fixtures.Require("tiny-smollm3", "hf"));
        AssertTinySmolLM3(r);
        var storage = Storage(r);
        Assert.Equal(["BF16"], storage.Keys);
        Assert.Equal(r.GetProperty("tensors").GetArrayLength(), storage["BF16"].Tensors);
        Assert.Equal(r.GetProperty("weight_bytes_bf16").GetInt64(), storage["BF16"].Bytes);
        // BF16 compute holds everything in BF16; F32 compute keeps the BF16 matrices as stored (BF16 rows) and widens
        // the rest (the norms)
        long held = r.GetProperty("auto_dtype").GetString() == "bf16"
            ? r.GetProperty("weight_bytes_bf16").GetInt64()
            : r.GetProperty("tensors").EnumerateArray().Sum(t =>
            {
                var shape = t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
                return shape.Length == 2 ? t.GetProperty("bytes").GetInt64() : shape.Aggregate(4L, (a, d) => a * d);
            });
        Assert.Equal(held, r.GetProperty("weight_bytes_loaded").GetInt64());
        // --dtype auto keeps BF16 only where the CPU computes it natively
        var (auto, why) = (r.GetProperty("auto_dtype").GetString(), r.GetProperty("auto_dtype_reason").GetString()!);
        Assert.Contains(why, new[] { "checkpoint bf16, CPU has AVX-512 BF16", "checkpoint bf16, CPU lacks AVX-512 BF16" });
        Assert.Equal(why.Contains("has") ? "bf16" : "f32", auto);
        Assert.Equal("bf16", r.GetProperty("auto_kv_dtype").GetString());   // 16 bits a value for either compute type
    }

    [SkippableFact]
    public async Task Json_describes_the_Q8_0_gguf_and_counts_its_tensor_types()
    {
        var r = await InspectJson(Fixtures.Require("tiny-smollm3", "model-q8_0.gguf"));
        AssertTinySmolLM3(r);
        var storage = Storage(r);
        Assert.True(storage.ContainsKey("Q8_0"), string.Join(", ", storage.Keys));
        Assert.True(storage["Q8_0"].Tensors > 0);
        // Q8_0: 34 bytes per block of 32 weights.
        var embed = r.GetProperty("tensors").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "model.embed_tokens.weight");
        Assert.Equal("Q8_0", embed.GetProperty("type").GetString());
        Assert.Equal(128256L * 64 / 32 * 34, embed.GetProperty("bytes").GetInt64());
        Assert.Equal(r.GetProperty("tensors").GetArrayLength(), storage.Values.Sum(s => s.Tensors));
        // its packed matrices dequantize to F32, which outweighs everything else
        Assert.Equal(("f32", "checkpoint f32"), (r.GetProperty("auto_dtype").GetString(), r.GetProperty("auto_dtype_reason").GetString()));
        // held packed at F32 compute: the file's tensor bytes exactly (its norms are F32 in the file too)
        Assert.Equal(storage.Values.Sum(s => s.Bytes), r.GetProperty("weight_bytes_loaded").GetInt64());
    }

    [SkippableFact]
    public async Task Tables_for_humans_list_every_tensor()
    {
        var run = await CliRun.Of("inspect", "--model", Fixtures.Require("tiny-smollm2", "hf"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("lm_head.weight", run.Stdout);
        Assert.Contains("model.layers.2.post_attention_layernorm.weight", run.Stdout);
        Assert.Contains("49152 × 64", run.Stdout);
        Assert.Contains("KV cache at 128k tokens (f32 / bf16 / f16 / q8_0)", run.Stdout);
        Assert.Matches(@"dtype auto on this CPU\s*│\s*(bf16|f32) \(checkpoint bf16, CPU (has|lacks) AVX-512 BF16\)", run.Stdout);
        Assert.Matches(@"KV cache by default \(--kv-dtype\)\s*│\s*bf16\s", run.Stdout);
        Assert.DoesNotContain("\u001b[", run.Stdout);
    }

    [Fact]
    public async Task A_missing_model_path_is_a_usage_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid());
        (await CliRun.Of("inspect", "--model", missing)).AssertError(2, "model not found", missing);
    }

    [Fact]
    public async Task A_file_that_is_not_a_model_is_a_model_error()
    {
        using var dir = new TempFolder();
        var file = dir.Write("weights.bin", "not a model");
        (await CliRun.Of("inspect", "--model", file)).AssertError(1, file);
    }

    [Fact]
    public async Task Help_lists_the_commands()
    {
        var run = await CliRun.Of("--help");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("inspect", run.Stdout);
        Assert.Contains("score", run.Stdout);
    }

    [Fact]
    public async Task No_command_is_a_usage_error()
    {
        var run = await CliRun.Of();
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Stderr);
    }
}
