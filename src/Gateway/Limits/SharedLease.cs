using SmolLM3.Contracts.Limits;

namespace SmolLM3.Gateway.Limits;

/// <summary>A turn's share of its tenant's counters: charges its tokens, and gives its slot back once.</summary>
public sealed class SharedLease(SharedLimits owner, string tenant, QuotaLimits quota, Guid lease) : IDisposable
{
    int _released;

    public void Charge(int tokens) => owner.Charge(tenant, quota, tokens);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(tenant, lease);
    }
}
