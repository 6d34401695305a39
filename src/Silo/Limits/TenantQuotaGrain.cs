using SmolLM3.Contracts.Limits;

namespace SmolLM3.Silo.Limits;

/// <summary>
/// <see cref="ITenantQuotaGrain"/>: the counters live in memory only. Should the grain's silo go away, the tenant
/// starts again with full buckets and no slots: for at most a minute it may get up to twice its rate, which is
/// better than refusing it while counters are restored.
/// </summary>
[GrainType("tenant-quota")]
public sealed class TenantQuotaGrain : Grain, ITenantQuotaGrain
{
    readonly TenantQuota _quota = new(TimeProvider.System);

    public ValueTask<QuotaDecision> AdmitAsync(QuotaLimits limits, string holder, TimeSpan leaseFor) => new(_quota.Admit(limits, holder, leaseFor));

    public ValueTask RenewAsync(string holder, TimeSpan leaseFor)
    {
        _quota.Renew(holder, leaseFor);
        return ValueTask.CompletedTask;
    }

    public ValueTask ReleaseAsync(Guid lease)
    {
        _quota.Release(lease);
        return ValueTask.CompletedTask;
    }

    public ValueTask ChargeAsync(QuotaLimits limits, int tokens)
    {
        _quota.Charge(limits, tokens);
        return ValueTask.CompletedTask;
    }
}
