namespace SmolLM3.Contracts.Limits;

/// <summary>
/// One tenant's counters shared by every gateway (keyed by tenant): requests and tokens per minute, and
/// concurrent streams as slots leased to a gateway. A gateway renews its slots while it lives; the slots of one
/// that died expire, so they come back within one lease.
/// </summary>
[Alias("smollm3.ITenantQuotaGrain")]
public interface ITenantQuotaGrain : IGrainWithStringKey
{
    /// <summary>Admits one turn under <paramref name="limits"/>: takes a request and leases a stream slot to <paramref name="holder"/> for <paramref name="leaseFor"/>.</summary>
    [Alias("Admit")]
    ValueTask<QuotaDecision> AdmitAsync(QuotaLimits limits, string holder, TimeSpan leaseFor);

    /// <summary>Extends every slot <paramref name="holder"/> holds to <paramref name="leaseFor"/> from now.</summary>
    [Alias("Renew")]
    ValueTask RenewAsync(string holder, TimeSpan leaseFor);

    /// <summary>Gives a slot back.</summary>
    [Alias("Release")]
    ValueTask ReleaseAsync(Guid lease);

    /// <summary>Charges tokens a turn used; what the tenant's minute cannot cover is debt that blocks new turns until repaid.</summary>
    [Alias("Charge")]
    ValueTask ChargeAsync(QuotaLimits limits, int tokens);
}
