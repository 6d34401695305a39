using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Cluster.Tests.Scripted;
using SmolLM3.Hosting;
using SmolLM3.Silo.Models;

namespace SmolLM3.Client.Tests;

/// <summary>
/// An embedded cluster (tiny SmolLM3 with its own chat template) whose model replies with <see cref="Script"/>;
/// tenant a is unlimited, tenant rpm may start one turn a minute.
/// </summary>
public sealed class ClientClusterFixture : IAsyncLifetime
{
    public const string KeyA = "client-key-a", KeyRpm = "client-key-rpm";

    WebApplication? _app;
    ScriptedModel? _scripted;

    /// <summary>The gateway's gRPC address.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>Starts the cluster (skipping the test without fixtures).</summary>
    public async Task StartAsync()
    {
        if (_app is not null) return;
        var app = EmbeddedCluster.Build(new EmbeddedClusterOptions(Fixtures.Require("tiny-smollm3", "hf"))
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = 0,
            ApiKeys = new Dictionary<string, string> { [KeyA] = "tenant-a", [KeyRpm] = "tenant-rpm" },
            Configuration = new Dictionary<string, string?> { ["SmolLM3:Tenants:tenant-rpm:RequestsPerMinute"] = "1" },
            ConfigureServices = services => services.AddSingleton(new ModelDecorator(loaded => _scripted = new ScriptedModel(loaded))),
        });
        await app.StartAsync();
        _app = app;
        Address = new Uri(app.Address());
    }

    /// <summary>The reply every turn gives from now on, as text (special tokens such as &lt;think&gt; parsed).</summary>
    public string Script
    {
        set => _scripted!.Script = [.. _app!.Services.GetRequiredService<ModelHost>().Tokenizer.Encode(value, parseSpecial: true)];
    }

    /// <summary>A client authenticating with <paramref name="key"/>.</summary>
    public SmolLMChatClient Client(string key = KeyA) => new(Address, new SmolLMClientOptions { ApiKey = key });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
