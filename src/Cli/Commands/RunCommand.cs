using System.CommandLine;
using System.Security.Cryptography;
using SmolLM3.Cli.Cluster;

namespace SmolLM3.Cli.Commands;

/// <summary><c>smollm3 run --model M [--grpc-port N] [--api-key KEY] [--data-dir D]</c>: a one-process cluster serving gRPC chat.</summary>
static class RunCommand
{
    const string Tenant = "default";

    public static Command Create()
    {
        var model = new ModelOptions(loads: true);
        var port = new Option<int>("--grpc-port") { Description = "Port of the gRPC endpoint on 127.0.0.1", DefaultValueFactory = _ => 5080 };
        var apiKey = new Option<string?>("--api-key") { Description = "API key of the default tenant (default: a fresh random key, printed)" };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Folder where conversations are kept across restarts",
            DefaultValueFactory = _ => DefaultDataDir(),
        };
        port.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 65535) r.AddError("--grpc-port must be in 0..65535");
        });
        var command = new Command("run", "Serve the model over gRPC (silo and gateway in one process) until Ctrl+C");
        model.AddTo(command);
        command.Add(port);
        command.Add(apiKey);
        command.Add(dataDir);
        command.SetAction(async (parsed, ct) =>
        {
            var request = model.Read(parsed);
            var output = parsed.InvocationConfiguration.Output;
            var key = parsed.GetValue(apiKey) ?? "sk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            await output.WriteLineAsync($"api key: {key} (tenant {Tenant})");

            await using var app = EmbeddedCluster.Build(new EmbeddedClusterOptions(request.Path)
            {
                GrpcPort = parsed.GetValue(port),
                DataFolder = Directory.CreateDirectory(parsed.GetValue(dataDir)!).FullName,
                DType = parsed.GetValue(model.DType)!,
                Device = request.Device.ToString(),
                ApiKeys = new Dictionary<string, string> { [key] = Tenant },
            });
            await app.StartAsync(ct);   // returns once the model is loaded, the silo is up and the port listens
            await output.WriteLineAsync($"ready: gRPC on {app.Address()}, conversations in {parsed.GetValue(dataDir)}");
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            await app.StopAsync(CancellationToken.None);
            return Cli.Ok;
        });
        return command;
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
