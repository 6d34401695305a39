using System.Threading.RateLimiting;

namespace SmolLM3.Gateway.Limits;

/// <summary>
/// Tokens per minute per tenant. A turn's size is only known as it runs, so tokens are charged after the
/// fact: what the tenant's bucket cannot cover becomes debt, repaid first as the bucket refills, and a
/// new turn is admitted only when the tenant is out of debt with tokens in hand. Over time a tenant
/// therefore uses no more than its rate, whatever the size of single turns.
/// </summary>
sealed class TokenMeter : IDisposable
{
    readonly Func<string, int?> _perMinuteOf;
    readonly PartitionedRateLimiter<string> _buckets;
    readonly Dictionary<string, long> _debt = [];
    readonly Lock _lock = new();

    /// <param name="perMinuteOf">A tenant's current tokens-per-minute limit; null = unlimited.</param>
    public TokenMeter(Func<string, int?> perMinuteOf)
    {
        _perMinuteOf = perMinuteOf;
        // Keyed by tenant and rate, so a changed limit starts a fresh bucket; idle buckets are dropped.
        _buckets = PartitionedRateLimiter.Create<string, (string, int)>(tenant =>
            perMinuteOf(tenant) is { } n
                ? RateLimitPartition.GetTokenBucketLimiter((tenant, n), _ => PerMinute.Bucket(n))
                : RateLimitPartition.GetNoLimiter((tenant, 0)));
    }

    /// <summary>Throws <see cref="QuotaExceededException"/> when <paramref name="tenant"/> has no tokens to start a turn.</summary>
    public void EnsureCredit(string tenant)
    {
        if (_perMinuteOf(tenant) is not { } perMinute) return;
        lock (_lock)
        {
            long debt = Repay(tenant);
            if (debt == 0 && Available(tenant) > 0) return;
            var wait = TimeSpan.FromSeconds((debt + 1) * 60.0 / perMinute);
            throw new QuotaExceededException($"tenant '{tenant}' has used its {perMinute} tokens per minute", wait);
        }
    }

    /// <summary>Charges <paramref name="tokens"/> to <paramref name="tenant"/>, going into debt where the bucket is short.</summary>
    public void Charge(string tenant, int tokens)
    {
        if (tokens <= 0 || _perMinuteOf(tenant) is null) return;
        lock (_lock)
        {
            _debt[tenant] = _debt.GetValueOrDefault(tenant) + tokens;
            Repay(tenant);
        }
    }

    /// <summary>Pays as much of the tenant's debt as its bucket holds; the debt left. Caller holds the lock.</summary>
    long Repay(string tenant)
    {
        long debt = _debt.GetValueOrDefault(tenant);
        int take = (int)Math.Min(debt, Available(tenant));
        if (take > 0)
        {
            using var lease = _buckets.AttemptAcquire(tenant, take);
            if (lease.IsAcquired) debt -= take;
        }
        if (debt == 0) _debt.Remove(tenant);
        else _debt[tenant] = debt;
        return debt;
    }

    long Available(string tenant) => _buckets.GetStatistics(tenant)?.CurrentAvailablePermits ?? 0;

    public void Dispose() => _buckets.Dispose();
}
