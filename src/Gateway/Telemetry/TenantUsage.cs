using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Conversations;

namespace SmolLM3.Gateway.Telemetry;

/// <summary>
/// Tokens each tenant used, as counters tagged <c>tenant</c> (Prometheus: <c>smollm3_tenant_tokens_prompt_total</c>,
/// <c>…_completion_total</c>, <c>…_cached_total</c>). Only tenants named in configuration (<c>Tenants:NAME</c> or as
/// the tenant of an <c>ApiKeys</c> entry) get their own label value; all others count as <see cref="Other"/>, so the
/// number of series stays what the operator configured.
/// </summary>
public sealed class TenantUsage
{
    public const string MeterName = "SmolLM3.Gateway";

    /// <summary>The label value of tenants configuration does not name (e.g. from a rotated keys file).</summary>
    public const string Other = "other";

    readonly IOptionsMonitor<GatewayOptions> _options;
    readonly Counter<long> _prompt, _completion, _cached;

    public TenantUsage(IMeterFactory meters, IOptionsMonitor<GatewayOptions> options)
    {
        _options = options;
        var meter = meters.Create(MeterName);
        _prompt = meter.CreateCounter<long>("smollm3.tenant.tokens.prompt", "{token}", "Prompt tokens of a tenant's turns, cached or not");
        _completion = meter.CreateCounter<long>("smollm3.tenant.tokens.completion", "{token}", "Tokens generated for a tenant");
        _cached = meter.CreateCounter<long>("smollm3.tenant.tokens.cached", "{token}", "Prompt tokens of a tenant served from a KV cache");
    }

    /// <summary>Counts a turn's <see cref="ChatChunkKind.Usage"/> chunk for <paramref name="tenant"/>.</summary>
    public void Record(string tenant, ChatChunk usage)
    {
        var tag = new KeyValuePair<string, object?>("tenant", LabelOf(tenant));
        _prompt.Add(usage.PromptTokens, tag);
        _completion.Add(usage.CompletionTokens, tag);
        _cached.Add(usage.CachedTokens, tag);
    }

    /// <summary><paramref name="tenant"/> when configuration names it, else <see cref="Other"/>.</summary>
    public string LabelOf(string tenant)
    {
        var options = _options.CurrentValue;
        return options.Tenants.ContainsKey(tenant) || options.ApiKeys.ContainsValue(tenant) ? tenant : Other;
    }
}
