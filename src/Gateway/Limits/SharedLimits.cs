using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Limits;

namespace SmolLM3.Gateway.Limits;

/// <summary>
/// A tenant's requests and tokens per minute and concurrent streams counted in its <see cref="ITenantQuotaGrain"/>,
/// which every gateway shares, so the limits hold for the tenant as a whole, however many gateways serve it. Stream
/// slots are leased to this gateway and renewed while it runs (<see cref="GatewayOptions.SharedSlotLease"/>).
/// </summary>
public sealed class SharedLimits(IGrainFactory grains, IOptionsMonitor<GatewayOptions> options, ILogger<SharedLimits> logger) : BackgroundService
{
    /// <summary>This gateway process, as the holder of its slots.</summary>
    readonly string _holder = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    /// <summary>Slots held per tenant: the tenants whose leases this gateway renews.</summary>
    readonly ConcurrentDictionary<string, int> _held = new();

    TimeSpan Lease => options.CurrentValue.SharedSlotLease;

    /// <summary>
    /// Admits one turn of <paramref name="tenant"/> across gateways; null when nothing is shared (switched off, or no
    /// such limit). Throws <see cref="QuotaExceededException"/> when the tenant is over a limit.
    /// </summary>
    public async Task<SharedLease?> AdmitAsync(string tenant, TenantLimits limits)
    {
        var quota = new QuotaLimits(limits.RequestsPerMinute, limits.TokensPerMinute, limits.ConcurrentStreams);
        if (!options.CurrentValue.SharedLimits || quota.IsUnlimited) return null;
        var decision = await Grain(tenant).AdmitAsync(quota, _holder, Lease);
        if (!decision.Admitted) throw new QuotaExceededException($"tenant '{tenant}' {decision.Refusal}", decision.RetryAfter);
        _held.AddOrUpdate(tenant, 1, (_, n) => n + 1);
        return new SharedLease(this, tenant, quota, decision.Lease);
    }

    ITenantQuotaGrain Grain(string tenant) => grains.GetGrain<ITenantQuotaGrain>(tenant);

    internal void Charge(string tenant, QuotaLimits quota, int tokens) => _ = ForgetAsync(Grain(tenant).ChargeAsync(quota, tokens), "charge tokens of", tenant);

    internal void Release(string tenant, Guid lease)
    {
        _held.AddOrUpdate(tenant, 0, (_, n) => n - 1);
        _ = ForgetAsync(Grain(tenant).ReleaseAsync(lease), "release a stream slot of", tenant);
    }

    /// <summary>Renews this gateway's slots three times a lease, so one late renewal costs nothing.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try { await Task.Delay(Lease / 3, stoppingToken); }
            catch (OperationCanceledException) { return; }
            foreach (var (tenant, held) in _held)
            {
                if (held <= 0) _held.TryRemove(new KeyValuePair<string, int>(tenant, held));
                else _ = ForgetAsync(Grain(tenant).RenewAsync(_holder, Lease), "renew the stream slots of", tenant);
            }
        }
    }

    /// <summary>Runs a grain call the turn need not wait for; a failure is logged (a missed renewal is retried next round).</summary>
    async Task ForgetAsync(ValueTask call, string what, string tenant)
    {
        try { await call; }
        catch (Exception e) { logger.LogWarning(e, "Could not {What} tenant {Tenant}", what, tenant); }
    }
}
