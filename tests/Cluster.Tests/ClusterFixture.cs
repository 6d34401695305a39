using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Cli.Cluster;
using SmolLM3.Contracts.V1;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Cluster.Tests;

/// <summary>
/// One embedded cluster (silo + gateway) on loopback ports for the "cluster" collection, started on first
/// use so tests can skip when fixtures are missing. Two tenants: a and b.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public const string KeyA = "key-tenant-a", KeyB = "key-tenant-b";

    readonly SemaphoreSlim _gate = new(1, 1);
    WebApplication? _app;
    GrpcChannel? _channel;

    public Chat.ChatClient Client { get; private set; } = null!;
    public GrpcChannel Channel => _channel!;
    public BatchScheduler Scheduler => _app!.Services.GetRequiredService<BatchScheduler>();
    public ModelHost Model => _app!.Services.GetRequiredService<ModelHost>();
    public IGrainFactory Grains => _app!.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Settings beyond the defaults (a subclass may shrink the KV pool, say).</summary>
    protected virtual EmbeddedClusterOptions Customize(EmbeddedClusterOptions options) => options;

    /// <summary>Starts the cluster once (skipping the test without fixtures).</summary>
    public async Task StartAsync()
    {
        var model = Fixtures.Require("tiny-smollm3", "hf");
        await _gate.WaitAsync();
        try
        {
            if (_app is not null) return;
            var app = EmbeddedCluster.Build(Customize(new EmbeddedClusterOptions(model)
            {
                GrpcPort = 0,
                SiloPort = FreePort(),
                OrleansGatewayPort = FreePort(),
                ApiKeys = new Dictionary<string, string> { [KeyA] = "tenant-a", [KeyB] = "tenant-b" },
            }));
            await app.StartAsync();
            _app = app;
            _channel = GrpcChannel.ForAddress(app.Address());
            Client = new Chat.ChatClient(_channel);
        }
        finally { _gate.Release(); }
    }

    /// <summary>Call headers authenticating with <paramref name="key"/>, both ways the gateway accepts.</summary>
    public static Metadata Auth(string key) =>
        key == KeyB ? new Metadata { { "x-api-key", key } } : new Metadata { { "authorization", $"Bearer {key}" } };

    /// <summary>A loopback port free right now (for Orleans' silo and gateway ports).</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
