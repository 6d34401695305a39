using System.Diagnostics;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Limits;
using SmolLM3.Contracts.V1;
using SmolLM3.Gateway;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Hosting;

namespace SmolLM3.Cluster.Tests.MultiGateway;

/// <summary>
/// Two gateways in front of one silo (the embedded cluster's own, and a stand-alone one reaching it as an Orleans
/// client): a tenant's requests per minute and concurrent streams hold for both together, a live gateway keeps its
/// slot past the lease by renewing it, and the slot of a holder that stopped renewing comes back within one lease.
/// </summary>
[Collection(ClusterCollection.Name)]   // one busy cluster at a time on this machine
public sealed class SharedLimitsTests : IAsyncLifetime
{
    const string KeyRpm = "key-shared-rpm", KeyStreams = "key-shared-streams";
    const int Rpm = 4, LeaseSeconds = 3;

    static readonly Dictionary<string, string?> Settings = new()
    {
        [$"SmolLM3:ApiKeys:{KeyRpm}"] = "shared-rpm",
        [$"SmolLM3:ApiKeys:{KeyStreams}"] = "shared-streams",
        ["SmolLM3:Tenants:shared-rpm:RequestsPerMinute"] = $"{Rpm}",
        ["SmolLM3:Tenants:shared-streams:ConcurrentStreams"] = "1",
        ["SmolLM3:SharedSlotLease"] = $"00:00:0{LeaseSeconds}",
    };

    WebApplication? _first, _second;
    GrpcChannel? _firstChannel, _secondChannel;
    Chat.ChatClient[] _gateways = [];

    async Task StartAsync()
    {
        int orleansGateway = FreePort.OnLoopback();
        _first = EmbeddedCluster.Build(new EmbeddedClusterOptions(Fixtures.Require("tiny-smollm3", "hf"))
        {
            GrpcPort = 0, HttpPort = 0, SiloPort = 0, OrleansGatewayPort = orleansGateway, Configuration = Settings,
        });
        await _first.StartAsync();
        var model = _first.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.Models[0];

        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmolLM3:Cluster:GatewayPort"] = $"{orleansGateway}",
            ["SmolLM3:Models:0"] = model,
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSmolLMClusterClient();
        builder.AddSmolLMGateway();
        builder.ListenOn(IPAddress.Loopback, 0, 0);
        _second = builder.Build();
        _second.MapSmolLMGateway();
        await _second.StartAsync();

        _firstChannel = GrpcChannel.ForAddress(_first.Address());
        _secondChannel = GrpcChannel.ForAddress(_second.Address());
        _gateways = [new Chat.ChatClient(_firstChannel), new Chat.ChatClient(_secondChannel)];
    }

    static Metadata Auth(string key) => new() { { "authorization", $"Bearer {key}" } };

    [SkippableFact]
    public async Task Requests_per_minute_hold_for_both_gateways_together()
    {
        await StartAsync();
        int admitted = 0;
        for (int i = 0; i < 2 * Rpm; i++)
        {
            try
            {
                await TurnResult.ReadAsync(_gateways[i % 2].StreamChat(ChatRequests.Greedy("", $"Turn {i}", 2), Auth(KeyRpm)));
                admitted++;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                Assert.Contains($"{Rpm} requests per minute", e.Status.Detail);
            }
        }
        // Each gateway alone would admit its own minute's worth (twice the limit in all).
        Assert.Equal(Rpm, admitted);
    }

    [SkippableFact]
    public async Task A_stream_slot_held_on_one_gateway_is_renewed_past_its_lease_and_a_dead_holders_slot_comes_back_within_one()
    {
        await StartAsync();
        using (var stop = new CancellationTokenSource())
        {
            using var held = _gateways[0].StreamChat(ChatRequests.Greedy("", "Talk for a long time", 60_000), Auth(KeyStreams), cancellationToken: stop.Token);
            Assert.True(await held.ResponseStream.MoveNext(CancellationToken.None));
            await Task.Delay(TimeSpan.FromSeconds(LeaseSeconds * 2));   // two leases: only renewal keeps the slot

            var refused = await Assert.ThrowsAsync<RpcException>(() => TurnResult.ReadAsync(_gateways[1].StreamChat(ChatRequests.Greedy("", "Me too", 2), Auth(KeyStreams))));
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("1 concurrent streams", refused.Status.Detail);
            stop.Cancel();
        }

        // A holder that never renews, as a gateway that died holding the slot.
        var grains = _first!.Services.GetRequiredService<IGrainFactory>();
        await UntilAdmittedAsync(() => grains.GetGrain<ITenantQuotaGrain>("shared-streams")
            .AdmitAsync(new QuotaLimits(null, null, 1), "dead-gateway", TimeSpan.FromSeconds(LeaseSeconds)).AsTask());
        var clock = Stopwatch.StartNew();
        var waits = 0;
        while (true)
        {
            try
            {
                await TurnResult.ReadAsync(_gateways[waits % 2].StreamChat(ChatRequests.Greedy("", "Mine now?", 2), Auth(KeyStreams)));
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && clock.Elapsed < TimeSpan.FromSeconds(LeaseSeconds * 4))
            {
                waits++;
                await Task.Delay(200);
            }
        }
        Assert.True(waits > 0, "the dead holder's slot was free at once");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(LeaseSeconds - 1), TimeSpan.FromSeconds(LeaseSeconds * 4));
    }

    /// <summary>Takes the slot once the live gateway's cancelled stream has given it back.</summary>
    static async Task UntilAdmittedAsync(Func<Task<QuotaDecision>> admit)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(await admit()).Admitted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the cancelled stream's slot did not come back within 15 s");
            await Task.Delay(50);
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _firstChannel?.Dispose();
        _secondChannel?.Dispose();
        foreach (var app in new[] { _second, _first })
        {
            if (app is null) continue;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
