using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using SmolLM3.Gateway;
using SmolLM3.Engine.Model;
using SmolLM3.Hosting;

namespace SmolLM3.Cli.Commands;

/// <summary>
/// <c>smollm3 run --model M [--grpc-port N] [--http-port N] [--api-key KEY] [--data-dir D] [--kv-cache-size SIZE]</c>: a one-process
/// cluster serving gRPC chat and the OpenAI-compatible HTTP API.
/// </summary>
static class RunCommand
{
    const string Tenant = "default";

    public static Command Create()
    {
        var model = new ModelOptions(loads: true);
        var grpcPort = PortOption("--grpc-port", "Port of the gRPC endpoint (h2c) on 127.0.0.1", GatewayOptions.DefaultGrpcPort);
        var httpPort = PortOption("--http-port", "Port of the OpenAI-compatible HTTP API on 127.0.0.1", GatewayOptions.DefaultHttpPort);
        var apiKey = new Option<string?>("--api-key") { Description = "API key of the default tenant (default: a fresh random key, printed)" };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Folder where conversations are kept across restarts",
            DefaultValueFactory = _ => DefaultDataDir(),
        };
        var kvCacheSize = new KvCacheSizeFlag();
        var command = new Command("run", "Serve the model over gRPC and an OpenAI-compatible HTTP API (silo and gateway in one process) until Ctrl+C or SIGTERM");
        model.AddTo(command);
        command.Add(grpcPort);
        command.Add(httpPort);
        command.Add(apiKey);
        command.Add(dataDir);
        command.Add(kvCacheSize.Option);
        command.SetAction(async (parsed, ct) =>
        {
            var request = model.Read(parsed);
            var kvCacheBytes = kvCacheSize.Read(parsed);
            KvCacheSizeFlag.CheckHoldsContext(request, kvCacheBytes);   // before anything loads: the numbers, with the flags' names
            if (request.AutoDType is { } auto) await parsed.InvocationConfiguration.Error.WriteLineAsync(auto.ToString());
            var output = parsed.InvocationConfiguration.Output;
            var key = parsed.GetValue(apiKey) ?? "sk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            await output.WriteLineAsync($"api key: {key} (tenant {Tenant})");

            await using var app = EmbeddedCluster.Build(new EmbeddedClusterOptions(request.Path)
            {
                GrpcPort = parsed.GetValue(grpcPort),
                HttpPort = parsed.GetValue(httpPort),
                DataFolder = Directory.CreateDirectory(parsed.GetValue(dataDir)!).FullName,
                DType = DTypes.NameOf(request.DType),
                KvDType = parsed.GetValue(model.KvDType),
                Device = request.Device.ToString(),
                Context = request.Context,
                KvCacheBytes = kvCacheBytes,
                ApiKeys = new Dictionary<string, string> { [key] = Tenant },
            });
            await app.StartAsync(ct);   // returns once the model is loaded, the silo is up and the port listens
            await output.WriteLineAsync(
                $"ready: gRPC on {app.Address()}, OpenAI API on {app.HttpAddress()}/v1, conversations in {parsed.GetValue(dataDir)}");
            // SIGTERM and Ctrl+C reach the host's console lifetime; the host then drains the gateway and the silo within
            // its shutdown timeout (DOTNET_shutdownTimeoutSeconds), as the stand-alone processes do. ct (a test's) stops it too.
            await app.WaitForShutdownAsync(ct);
            return Cli.Ok;
        });
        return command;
    }

    /// <summary>A port option (0 picks a free port).</summary>
    static Option<int> PortOption(string name, string description, int fallback)
    {
        var option = new Option<int>(name) { Description = $"{description}; 0 picks a free port", DefaultValueFactory = _ => fallback };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError($"{name} must be in 0..65535");
        });
        return option;
    }

    /// <summary>$XDG_DATA_HOME/smollm3, or ~/.local/share/smollm3.</summary>
    static string DefaultDataDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "smollm3");
    }
}
