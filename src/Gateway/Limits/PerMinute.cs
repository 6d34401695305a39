using System.Threading.RateLimiting;

namespace SmolLM3.Gateway.Limits;

/// <summary>Token buckets for limits stated per minute.</summary>
static class PerMinute
{
    /// <summary>
    /// A bucket holding one minute's worth that refills evenly: in steps of at least 100 ms (at most 600 timer
    /// ticks a minute, whatever the rate), each adding the same number of permits, so the rate is exact.
    /// </summary>
    public static TokenBucketRateLimiterOptions Bucket(int perMinute)
    {
        int perStep = (perMinute + 599) / 600;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = perStep,
            ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerMinute * perStep / perMinute),
            AutoReplenishment = true,
            QueueLimit = 0,
        };
    }

    /// <summary>The retry-after a failed lease carries, or <paramref name="fallback"/>.</summary>
    public static TimeSpan RetryAfter(RateLimitLease lease, TimeSpan fallback) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : fallback;
}
