using SmolLM3.Engine.Model;
using System.CommandLine;
using System.Text.Json;
using SmolLM3.Engine.Benchmarking;
using SmolLM3.Engine.Loading;
using Spectre.Console;
using TorchSharp;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 bench [--shape S | --model PATH | --gguf FILE] [--dtype D] [--kv-dtype K] [--threads N] [--prompt-tokens N] [--depth N] [--batch N] [-c N] [--json]</c>:
/// prefill and decode rates and peak memory on random-weight models with the real SmolLM shapes (no download needed),
/// or on a checkpoint (the same GGUF file another engine is measured on).
/// </summary>
static class BenchCommand
{
    static readonly string[] WeightTypes = [.. DTypeChoice.Names, "q8_0"];

    public static Command Create()
    {
        var shape = new Option<string[]>("--shape")
        {
            Description = $"Architectures to run ({string.Join(", ", ModelShapes.ByName.Keys)})",
            DefaultValueFactory = _ => ["smollm2-135m"],
            AllowMultipleArgumentsPerToken = true,
        };
        shape.AcceptOnlyFromAmong([.. ModelShapes.ByName.Keys]);
        var dtype = new Option<string[]>("--dtype")
        {
            Description = "Compute types to run (auto: what run picks for the checkpoint on this CPU, F32 for random weights; q8_0: packed Q8_0 layers, F32 compute)",
            DefaultValueFactory = _ => [DTypeChoice.Auto],
            AllowMultipleArgumentsPerToken = true,
        };
        dtype.AcceptOnlyFromAmong(WeightTypes);
        var kvDType = new Option<string?>("--kv-dtype") { Description = $"How the KV cache holds keys and values ({string.Join(", ", KvFormat.Names)}; default: bf16, f16 for f16 compute)" };
        kvDType.AcceptOnlyFromAmong([.. KvFormat.Names]);
        var threads = new Option<int?>("--threads") { Description = "CPU threads for torch (default: torch's choice)" };
        threads.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--threads must be at least 1"); });
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length for prefill", DefaultValueFactory = _ => 512 };
        var decodeTokens = new Option<int>("--decode-tokens") { Description = "Tokens to decode", DefaultValueFactory = _ => 128 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs after one warm-up; the best is reported", DefaultValueFactory = _ => 3 };
        foreach (var o in new[] { promptTokens, decodeTokens, repeats })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{o.Name} must be at least 1"); });
        var kvBlockTokens = new Option<int?>("--kv-block-tokens") { Description = "Cache in a paged pool with blocks of N positions, as the cluster does (default: a standalone cache)" };
        kvBlockTokens.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--kv-block-tokens must be at least 1"); });
        var batch = new Option<int>("--batch") { Description = "Also decode N sequences together in one forward pass per step, as the cluster batches them", DefaultValueFactory = _ => 1 };
        batch.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--batch must be at least 1"); });
        var depth = new Option<int?>("--depth") { Description = "Measure decode with N random tokens already in the cache (prefilled untimed) instead of right after the prompt" };
        depth.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 1) r.AddError("--depth must be at least 1"); });
        var json = new Option<bool>("--json") { Description = "Print JSON: one object for one configuration, an array for several" };
        var modelPath = new Option<string?>("--model", "-m", "--gguf") { Description = "Measure this checkpoint (Hugging Face folder, .gguf file or hub id) instead of random weights of --shape; --gguf FILE names the exact file another engine ran" };
        var context = new ContextFlags();

        var command = new Command("bench", "Measure prefill and decode speed on random-weight models with the real SmolLM shapes")
        {
            shape, modelPath, dtype, kvDType, threads, promptTokens, decodeTokens, repeats, kvBlockTokens, batch, depth, json,
            BenchClusterCommand.Create(),
        };
        context.AddTo(command);
        command.SetAction((parsed, ct) =>
        {
            if (parsed.GetValue(threads) is { } n) torch.set_num_threads(n);
            var err = parsed.InvocationConfiguration.Error;
            var targets = Targets(parsed, shape, modelPath, dtype, context.Read(parsed));
            foreach (var t in targets)
            {
                try { EngineBenchmark.RequireContext(t.Config, parsed.GetValue(promptTokens), parsed.GetValue(decodeTokens), parsed.GetValue(depth)); }
                catch (ContextOverflowException e) { throw new CliUsageException($"{t.Name}: --prompt-tokens or --depth, plus --decode-tokens: {e.Message}", e); }
            }
            err.WriteLine("bench: measuring memory bandwidth (the baseline for decode)");
            double bandwidth = MemoryBandwidth.Measure(threads: torch.get_num_threads());
            var results = new List<BenchmarkResult>();
            foreach (var t in targets)
                foreach (var d in parsed.GetValue(dtype)!)
                {
                    ct.ThrowIfCancellationRequested();
                    var progress = new Progress<string>(m => err.WriteLine($"bench: {m}"));
                    var source = t.Open(d);   // the run closes it once the weights are loaded
                    var choice = d == "q8_0" ? new DTypeChoice(torch.ScalarType.Float32, "packed Q8_0") : DTypeChoice.Resolve(d, source, torch.CPU);
                    var compute = choice.DType;
                    err.WriteLine($"bench: {t.Name}: {choice}");
                    results.Add(EngineBenchmark.Run(t.Name, d == "q8_0" ? "Q8_0" : compute.ToString(), source, compute, torch.CPU,
                        parsed.GetValue(promptTokens), parsed.GetValue(decodeTokens), parsed.GetValue(repeats), progress, kvBlockTokens: parsed.GetValue(kvBlockTokens), batch: parsed.GetValue(batch),
                        depth: parsed.GetValue(depth), kvFormat: parsed.GetValue(kvDType) is { } kv ? KvFormat.Parse(kv) : null));
                }
            var output = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json))
                output.WriteLine(results.Count == 1 ? JsonSerializer.Serialize(ToJson(results[0], bandwidth)) : JsonSerializer.Serialize(results.Select(r => ToJson(r, bandwidth))));
            else
                WriteTable(results, bandwidth, output);
            return Task.FromResult(Cli.Ok);
        });
        return command;
    }

    /// <summary>What one row measures: a shape's random weights (with the context flags applied) or a checkpoint.</summary>
    sealed record Target(string Name, ModelConfig Config, Func<string, IWeightSource> Open);

    /// <summary>The shapes asked for, or the checkpoint of <c>--model</c> (then <c>--shape</c> may not be given, nor <c>--dtype q8_0</c>, which packs random weights).</summary>
    static List<Target> Targets(ParseResult parsed, Option<string[]> shape, Option<string?> modelPath, Option<string[]> dtype, ContextSettings settings)
    {
        if (parsed.GetValue(modelPath) is not { } reference)
            return parsed.GetValue(shape)!.Select(s =>
            {
                ModelConfig config;
                try { config = settings.IsEmpty ? ModelShapes.ByName[s] : settings.ApplyTo(ModelShapes.ByName[s], ContextFlags.NameOf).Validate(); }
                catch (ContextSettingsException e) { throw new CliUsageException($"{s}: {e.Message}", e); }
                return new Target(s, config, d => new RandomWeightSource(config, packQ8_0: d == "q8_0"));
            }).ToList();
        if (parsed.GetResult(shape) is { Implicit: false })
            throw new CliUsageException("--shape and --model: measure random weights of a shape or a checkpoint, not both");
        if (parsed.GetValue(dtype)!.Contains("q8_0"))
            throw new CliUsageException("--dtype q8_0 packs random weights of a --shape; a checkpoint keeps its own quantized matrices (give its compute --dtype)");
        var path = ModelDownloads.Resolve(reference, parsed.InvocationConfiguration.Error);
        IWeightSource Open(string _)
        {
            try { return ModelSources.Open(path, settings, ContextFlags.NameOf); }
            catch (ContextSettingsException e) { throw new CliUsageException(e.Message, e); }
        }
        using var probe = Open("");
        return [new Target(Path.GetFileName(Path.TrimEndingDirectorySeparator(path)), probe.Config, Open)];
    }

    static Dictionary<string, object> ToJson(BenchmarkResult r, double bandwidth)
    {
        var json = new Dictionary<string, object>
        {
        ["shape"] = r.Shape,
        ["dtype"] = r.DType,
        ["kv_dtype"] = r.KvDType,
        ["threads"] = r.Threads,
        ["prompt_tokens"] = r.PromptTokens,
        ["decode_tokens"] = r.DecodeTokens,
        ["prefill_tokens_per_s"] = Math.Round(r.PrefillTokensPerSecond, 2),
        ["decode_tokens_per_s"] = Math.Round(r.DecodeTokensPerSecond, 2),
        ["peak_rss_bytes"] = r.PeakRssBytes,
        ["loaded_rss_bytes"] = r.LoadedRssBytes,
        ["weight_bytes"] = r.WeightBytes,
        ["memory_bandwidth_gb_per_s"] = Math.Round(bandwidth / 1e9, 2),
        ["decode_bound_tokens_per_s"] = Math.Round(r.DecodeBound(bandwidth), 2),
        ["decode_fraction_of_bound"] = Math.Round(r.DecodeTokensPerSecond / r.DecodeBound(bandwidth), 3),
        };
        if (r.Depth is { } depth) json["depth"] = depth;
        if (r.Batch > 1)
        {
            json["batch"] = r.Batch;
            json["batch_decode_tokens_per_s"] = Math.Round(r.BatchDecodeTokensPerSecond, 2);
            json["batch_speedup"] = Math.Round(r.BatchDecodeTokensPerSecond / r.DecodeTokensPerSecond, 3);
        }
        return json;
    }

    static void WriteTable(List<BenchmarkResult> results, double bandwidth, TextWriter output)
    {
        bool batched = results.Any(r => r.Batch > 1);
        var table = new Table().AddColumns("shape", "dtype", "KV", "threads", "prefill tok/s", "decode tok/s", "decode bound tok/s", "of bound", "peak RSS");
        bool deep = results.Any(r => r.Depth is not null);
        if (deep) table.AddColumns("decode depth");
        if (batched) table.AddColumns("batch", "batch decode tok/s", "vs one");
        foreach (var r in results)
        {
            string[] row = [r.Shape, r.DType, r.KvDType, r.Threads.ToString(), $"{r.PrefillTokensPerSecond:F1}", $"{r.DecodeTokensPerSecond:F1}",
                $"{r.DecodeBound(bandwidth):F1}", $"{r.DecodeTokensPerSecond / r.DecodeBound(bandwidth):P0}", $"{r.PeakRssBytes / (1024.0 * 1024):F0} MiB"];
            if (deep) row = [.. row, (r.Depth ?? r.PromptTokens).ToString()];
            table.AddRow(batched ? [.. row, r.Batch.ToString(), $"{r.BatchDecodeTokensPerSecond:F1}", $"{r.BatchDecodeTokensPerSecond / r.DecodeTokensPerSecond:F2}×"] : row);
        }
        var console = Consoles.For(output);
        console.Write(table);
        console.WriteLine($"memory read bandwidth (same run): {bandwidth / 1e9:F1} GB/s; decode bound = bandwidth / weight bytes");
    }
}
