using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Placement;
using SmolLM3.Silo;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Placement;
using SmolLM3.Silo.Storage;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>
/// An in-process Orleans cluster of several silos, each loading the tiny fixture model as "tiny", with
/// folder storage they all share and an <see cref="AdjustableKvCapacity"/> per silo.
/// </summary>
public sealed class MultiSiloCluster : IAsyncDisposable
{
    public const string Model = "tiny";

    readonly string _data = Directory.CreateTempSubdirectory("smollm3-multisilo-").FullName;

    public InProcessTestCluster Cluster { get; }
    public IClusterClient Client => Cluster.Client;

    MultiSiloCluster(string modelPath, int silos, Action<string, SmolLMSiloOptions>? configure, bool realCapacity)
    {
        var storage = new SmolLMStorageOptions { Provider = "folder", Folder = _data };
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSiloHost((silo, host) =>
        {
            var options = new SmolLMSiloOptions { ModelPath = modelPath, ModelId = Model, CapacityReportInterval = TimeSpan.FromMilliseconds(100) };
            configure?.Invoke(silo.SiloName, options);
            host.Services.AddSmolLMModel(options);
            if (!realCapacity) host.Services.AddSingleton<IKvCapacity, AdjustableKvCapacity>();
        });
        builder.ConfigureSilo((_, silo) => silo.AddSmolLMGrains(storage));
        Cluster = builder.Build();
    }

    public static async Task<MultiSiloCluster> StartAsync(int silos)
    {
        var cluster = new MultiSiloCluster(Fixtures.Require("tiny-smollm3", "hf"), silos, null, realCapacity: false);
        await cluster.Cluster.DeployAsync();
        await cluster.WaitForReportsAsync();
        return cluster;
    }

    /// <summary>Silos reporting their real KV pools, each configured by <paramref name="configure"/> (given the silo's name).</summary>
    public static async Task<MultiSiloCluster> StartWithPoolsAsync(int silos, Action<string, SmolLMSiloOptions> configure)
    {
        var cluster = new MultiSiloCluster(Fixtures.Require("tiny-smollm3", "hf"), silos, configure, realCapacity: true);
        await cluster.Cluster.DeployAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            if (cluster.Silos.All(s => s.ServiceProvider.GetRequiredService<CapacityBoard>().Reports.Count == silos)) return cluster;
            Assert.True(DateTime.UtcNow < deadline, "silos did not exchange capacity reports within 30 s");
        }
    }

    public IReadOnlyList<InProcessSiloHandle> Silos => Cluster.Silos.Where(s => s.IsActive).ToList();

    public AdjustableKvCapacity Capacity(InProcessSiloHandle silo) => (AdjustableKvCapacity)silo.ServiceProvider.GetRequiredService<IKvCapacity>();

    /// <summary>A session created on <paramref name="silo"/>: the placement hint a migration uses names it.</summary>
    public async Task<IConversationGrain> CreateSessionOnAsync(InProcessSiloHandle silo)
    {
        RequestContext.Set(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey, silo.SiloAddress);
        try { return await CreateSessionAsync(); }
        finally { RequestContext.Remove(Orleans.Runtime.Placement.IPlacementDirector.PlacementHintKey); }
    }

    /// <summary>Sets each active silo's available tokens, then waits until every silo's board shows them.</summary>
    public async Task SetAvailableAsync(params int[] available)
    {
        var silos = Silos;
        for (int i = 0; i < silos.Count; i++) Capacity(silos[i]).AvailableTokens = available[i];
        await WaitForReportsAsync();
    }

    /// <summary>Waits until every active silo's board holds the current report of every active silo.</summary>
    public async Task WaitForReportsAsync()
    {
        var expected = Silos.Select(s => (s.SiloAddress, Capacity(s).AvailableTokens)).ToHashSet();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            bool current = Silos.All(s => s.ServiceProvider.GetRequiredService<CapacityBoard>().Reports
                .Select(r => (r.Silo, r.AvailableTokens)).ToHashSet().SetEquals(expected));
            if (current) return;
            Assert.True(DateTime.UtcNow < deadline, "silos did not exchange capacity reports within 30 s");
        }
    }

    /// <summary>Creates a session for <paramref name="model"/> the way the gateway does (with the placement hint).</summary>
    public async Task<IConversationGrain> CreateSessionAsync(string model = Model)
    {
        var grain = Client.GetGrain<IConversationGrain>(ConversationKey.For("tenant", Guid.NewGuid().ToString("N")));
        using (ModelPlacementHint.For(model)) await grain.CreateAsync(model);
        return grain;
    }

    /// <summary>The silo the grain's activation lives on, or null when it is not active.</summary>
    public SiloAddress? HostOf(IAddressable grain) =>
        Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) ? context.Address.SiloAddress : null;

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }
}
