using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Gateway;
using SmolLM3.Gateway.Telemetry;
using static SmolLM3.Cluster.Tests.ClusterFixture;

namespace SmolLM3.Cluster.Tests;

/// <summary>Per-tenant token counters: a real turn's usage is counted under its tenant and scraped by Prometheus; unconfigured tenants share one label.</summary>
[Collection(ClusterCollection.Name)]
public sealed class TenantUsageTests(ClusterFixture cluster)
{
    /// <summary>Sums of the tenant counters per (instrument, tenant) while listening.</summary>
    sealed class UsageListener : IDisposable
    {
        readonly MeterListener _listener = new();
        public ConcurrentDictionary<(string, string), long> Sums { get; } = new();

        public UsageListener()
        {
            _listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == TenantUsage.MeterName) l.EnableMeasurementEvents(instrument); };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var tenant = "";
                foreach (var tag in tags) if (tag.Key == "tenant") tenant = (string)tag.Value!;
                Sums.AddOrUpdate((instrument.Name, tenant), value, (_, sum) => sum + value);
            });
            _listener.Start();
        }

        public long this[string instrument, string tenant] => Sums.GetValueOrDefault((instrument, tenant));

        public void Dispose() => _listener.Dispose();
    }

    [SkippableFact]
    public async Task A_turns_tokens_are_counted_under_its_tenant_and_served_to_prometheus()
    {
        await cluster.StartAsync();
        using var usage = new UsageListener();
        var session = (await cluster.Client.CreateSessionAsync(new SmolLM3.Contracts.V1.CreateSessionRequest(), Auth(KeyB))).SessionId;
        await TurnResult.ReadAsync(cluster.Client.StreamChat(ChatRequests.Greedy(session, "Count me.", 4), Auth(KeyB)));
        var second = await TurnResult.ReadAsync(cluster.Client.StreamChat(ChatRequests.Greedy(session, "And me.", 4), Auth(KeyB)));

        Assert.True(second.Usage.CachedTokens > 0, "the second turn reuses the session's cache");
        var first = usage["smollm3.tenant.tokens.prompt", "tenant-b"] - second.Usage.PromptTokens;
        Assert.True(first > 0, "both turns' prompts are counted");
        Assert.Equal(second.Usage.CachedTokens, usage["smollm3.tenant.tokens.cached", "tenant-b"]);   // the first turn had nothing cached
        Assert.InRange(usage["smollm3.tenant.tokens.completion", "tenant-b"], second.Usage.CompletionTokens + 1, second.Usage.CompletionTokens + 4);

        var text = await cluster.ScrapeAsync();
        Assert.Contains(text.Split('\n'), line => line.StartsWith("smollm3_tenant_tokens_completion_total{") && line.Contains("tenant=\"tenant-b\""));
    }

    [Fact]
    public void Only_configured_tenants_get_their_own_label()
    {
        var options = new GatewayOptions { ApiKeys = { ["k"] = "keyed" }, Tenants = { ["limited"] = new TenantLimits() } };
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var usage = new TenantUsage(services.GetRequiredService<IMeterFactory>(), new FixedOptions(options));
        using var listener = new UsageListener();

        usage.Record("keyed", ChatChunk.Usage(10, 4, 3));
        usage.Record("limited", ChatChunk.Usage(5, 0, 1));
        usage.Record("from-a-keys-file", ChatChunk.Usage(7, 0, 2));
        usage.Record("another", ChatChunk.Usage(1, 0, 1));

        Assert.Equal(10, listener["smollm3.tenant.tokens.prompt", "keyed"]);
        Assert.Equal(4, listener["smollm3.tenant.tokens.cached", "keyed"]);
        Assert.Equal(1, listener["smollm3.tenant.tokens.completion", "limited"]);
        Assert.Equal(8, listener["smollm3.tenant.tokens.prompt", TenantUsage.Other]);
        Assert.DoesNotContain(listener.Sums.Keys, k => k.Item2 is "from-a-keys-file" or "another");
    }
}
