using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Net.Client;
using SmolLM3.Cli.Cluster;
using SmolLM3.Engine.Benchmarking;
using SmolLM3.Engine.Model;
using SmolLM3.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmolLM3.Silo;
using Spectre.Console;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 bench cluster --model M [--streams N ...] [--max-tokens T] [--repeats R] [--json]</c>: the
/// serving layers' cost, measured against the scheduler driven directly in the same run.
/// </summary>
static class BenchClusterCommand
{
    public static Command Create()
    {
        var model = new ModelOptions(loads: true);
        model.Model.Required = false;   // or --shape with --tokenizer
        var shape = new Option<string?>("--shape") { Description = $"Instead of --model: random weights of a real architecture ({string.Join(", ", ModelShapes.ByName.Keys)})" };
        shape.AcceptOnlyFromAmong([.. ModelShapes.ByName.Keys]);
        var tokenizer = new Option<string?>("--tokenizer") { Description = "With --shape: a Hugging Face folder whose tokenizer (same vocabulary size) the random model uses" };
        var streams = new Option<int[]>("--streams") { Description = "Concurrent streams to measure", DefaultValueFactory = _ => [1, 16], AllowMultipleArgumentsPerToken = true };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens each reply may generate (greedy)", DefaultValueFactory = _ => 64 };
        var repeats = new Option<int>("--repeats") { Description = "Timed rounds per path, alternating paths; the fastest of each is reported", DefaultValueFactory = _ => 3 };
        streams.Validators.Add(r => { if (r.GetValueOrDefault<int[]>()?.Any(n => n < 1) == true) r.AddError("--streams must be at least 1"); });
        foreach (var o in new[] { maxTokens, repeats })
            o.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{o.Name} must be at least 1"); });
        var json = new Option<bool>("--json") { Description = "Print a JSON array, one object per stream count (or per follow-up case)" };
        var followUp = new Option<int?>("--follow-up")
        {
            Description = "Instead of streams: time to first token of a follow-up turn after an N-token conversation whose KV is kept, restored from spill, recomputed, or migrated to a second silo",
        };
        followUp.Validators.Add(r => { if (r.GetValueOrDefault<int?>() is < 64) r.AddError("--follow-up must be at least 64 tokens"); });

        var command = new Command("cluster", "Aggregate tokens/s and time to first token of N concurrent streams through the gateway vs the batch scheduler called directly");
        model.AddTo(command);
        command.Add(shape);
        command.Add(tokenizer);
        command.Validators.Add(r =>
        {
            bool hasModel = r.GetValue(model.Model) is not null, hasShape = r.GetValue(shape) is not null;
            if (hasModel == hasShape) r.AddError("give either --model or --shape");
            else if (hasShape && r.GetValue(tokenizer) is null) r.AddError("--shape needs --tokenizer (a folder with tokenizer.json)");
        });
        command.Add(streams);
        command.Add(maxTokens);
        command.Add(repeats);
        command.Add(json);
        command.Add(followUp);
        command.SetAction(async (parsed, ct) =>
        {
            var err = parsed.InvocationConfiguration.Error;
            using var random = parsed.GetValue(shape) is { } name ? RandomModel(name, parsed.GetValue(tokenizer)!, err) : null;
            var request = random is null ? model.Read(parsed) : model.Read(parsed, random.Root);
            var key = "sk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            int? context = parsed.GetValue(followUp);
            using var data = context is null ? null : new TemporaryFolder("smollm3-bench-data-");
            var options = new EmbeddedClusterOptions(request.Path)
            {
                GrpcPort = 0, HttpPort = 0, SiloPort = FreePort.OnLoopback(), OrleansGatewayPort = 0,
                DType = DTypes.NameOf(request.DType),
                KvDType = parsed.GetValue(model.KvDType),
                Device = request.Device.ToString(),
                Context = request.Context,
                ApiKeys = new Dictionary<string, string> { [key] = Tenant },
                DataFolder = data?.Root,
                KvCacheBytes = context is { } length ? FollowUpPoolBytes(request, length) : null,
            };
            await using var app = EmbeddedCluster.Build(options);
            await err.WriteLineAsync("bench cluster: loading the model and starting the cluster");
            await app.StartAsync(ct);
            using var channel = GrpcChannel.ForAddress(app.Address());
            int tokens = parsed.GetValue(maxTokens), rounds = parsed.GetValue(repeats);
            if (context is { } contextTokens)
            {
                var silo = app.Services.GetRequiredService<IOptions<SmolLMSiloOptions>>().Value;
                var (runs, move, shared) = await FollowUpBenchmark.RunAsync(app, channel, key, Tenant, contextTokens,
                    FollowUpBenchmark.SecondSilo(silo, options.SiloPort, data!.Root), err, ct);
                await app.StopAsync(CancellationToken.None);
                WriteFollowUps(runs, move, shared, parsed.GetValue(json), parsed.InvocationConfiguration.Output);
                return Cli.Ok;
            }

            // Warm-up: JIT, first gRPC connection, grain activation paths.
            await ClusterBenchmark.DirectAsync(app, 2, 4, ct);
            await ClusterBenchmark.ThroughGatewayAsync(channel, key, 2, 4, ct);

            var rows = new List<(StreamsRun Direct, StreamsRun Cluster)>();
            foreach (var n in parsed.GetValue(streams)!)
            {
                StreamsRun? direct = null, cluster = null;
                for (int r = 0; r < rounds; r++)
                {
                    await err.WriteLineAsync($"bench cluster: {n} streams, round {r + 1}/{rounds}");
                    var d = await ClusterBenchmark.DirectAsync(app, n, tokens, ct);
                    var c = await ClusterBenchmark.ThroughGatewayAsync(channel, key, n, tokens, ct);
                    if (direct is null || d.TokensPerSecond > direct.TokensPerSecond) direct = d;
                    if (cluster is null || c.TokensPerSecond > cluster.TokensPerSecond) cluster = c;
                }
                rows.Add((direct!, cluster!));
            }
            await app.StopAsync(CancellationToken.None);

            var output = parsed.InvocationConfiguration.Output;
            if (parsed.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(rows.Select(ToJson)));
            else WriteTable(rows, output);
            return Cli.Ok;
        });
        return command;
    }

    const string Tenant = "bench";

    /// <summary>A pool of <see cref="FollowUpBenchmark.PoolConversations"/> conversations of <paramref name="tokens"/>: the second pushes the first out.</summary>
    static long FollowUpPoolBytes(ModelRequest request, int tokens)
    {
        using var source = request.Open();
        var format = request.KvFormatInUse;
        return KvBlockPool.BytesFor(source.Config, format, (int)(tokens * FollowUpBenchmark.PoolConversations));
    }

    static void WriteFollowUps(List<FollowUpRun> runs, double moveSeconds, SharedPromptRun shared, bool json, TextWriter output)
    {
        double recompute = runs.Single(r => r.Case == "recomputed").TtftSeconds;
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(runs.Select(r => new Dictionary<string, object>
            {
                ["case"] = r.Case, ["prompt_tokens"] = r.PromptTokens, ["cached_tokens"] = r.CachedTokens,
                ["ttft_ms"] = Math.Round(r.TtftSeconds * 1000, 1), ["of_recompute"] = Math.Round(r.TtftSeconds / recompute, 4), ["silo"] = r.Silo,
                ["move_ms"] = r.Case == "migrated" ? Math.Round(moveSeconds * 1000, 1) : 0,
            }).Append(new Dictionary<string, object>
            {
                ["case"] = "shared system prompt", ["sessions"] = shared.Sessions, ["system_tokens"] = shared.SystemTokens,
                ["held_bytes"] = shared.HeldBytes, ["alone_bytes"] = shared.AloneBytes,
            })));
            return;
        }
        var table = new Table().AddColumns("follow-up KV", "prompt", "cached", "TTFT", "of recompute", "silo");
        foreach (var r in runs)
            table.AddRow(r.Case, r.PromptTokens.ToString(), r.CachedTokens.ToString(), $"{r.TtftSeconds * 1000:F0} ms", $"{r.TtftSeconds / recompute:P1}", r.Silo);
        var console = Consoles.For(output);
        console.Write(table);
        console.WriteLine($"migrated: the KV blocks and the activation moved to the second silo in {moveSeconds * 1000:F0} ms before the turn (as a drain moves them)");
        console.WriteLine($"{shared.Sessions} sessions with one {shared.SystemTokens}-token system prompt held {shared.HeldBytes / 1048576.0:F1} MiB of KV; alone each, {shared.AloneBytes / 1048576.0:F1} MiB ({(double)shared.HeldBytes / shared.AloneBytes:P0})");
    }

    /// <summary>Writes the random model to a temporary folder, deleted after the run.</summary>
    static TemporaryFolder RandomModel(string name, string tokenizer, TextWriter err)
    {
        var folder = new TemporaryFolder("smollm3-bench-");
        err.WriteLine($"bench cluster: writing random {name} weights to {folder.Root}");
        RandomModelFolder.Write(folder.Root, ModelShapes.ByName[name], tokenizer);
        return folder;
    }

    static Dictionary<string, object> ToJson((StreamsRun Direct, StreamsRun Cluster) row) => new()
    {
        ["streams"] = row.Direct.Streams,
        ["direct_tokens_per_s"] = Math.Round(row.Direct.TokensPerSecond, 2),
        ["cluster_tokens_per_s"] = Math.Round(row.Cluster.TokensPerSecond, 2),
        ["cluster_over_direct"] = Math.Round(row.Cluster.TokensPerSecond / row.Direct.TokensPerSecond, 4),
        ["direct_ttft_p50_ms"] = Math.Round(row.Direct.TtftP50 * 1000, 1),
        ["direct_ttft_p99_ms"] = Math.Round(row.Direct.TtftP99 * 1000, 1),
        ["cluster_ttft_p50_ms"] = Math.Round(row.Cluster.TtftP50 * 1000, 1),
        ["cluster_ttft_p99_ms"] = Math.Round(row.Cluster.TtftP99 * 1000, 1),
        ["direct_tokens"] = row.Direct.Tokens,
        ["cluster_tokens"] = row.Cluster.Tokens,
    };

    static void WriteTable(List<(StreamsRun Direct, StreamsRun Cluster)> rows, TextWriter output)
    {
        var table = new Table().AddColumns("streams", "direct tok/s", "cluster tok/s", "cluster / direct", "direct TTFT p50 / p99", "cluster TTFT p50 / p99");
        foreach (var (d, c) in rows)
            table.AddRow(d.Streams.ToString(), $"{d.TokensPerSecond:F1}", $"{c.TokensPerSecond:F1}", $"{c.TokensPerSecond / d.TokensPerSecond:P1}",
                $"{d.TtftP50 * 1000:F0} / {d.TtftP99 * 1000:F0} ms", $"{c.TtftP50 * 1000:F0} / {c.TtftP99 * 1000:F0} ms");
        var console = Consoles.For(output);
        console.Write(table);
        console.WriteLine("direct: the silo's batch scheduler called in-process; cluster: gRPC → gateway → conversation grains → the same scheduler");
    }
}
