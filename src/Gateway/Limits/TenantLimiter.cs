using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SmolLM3.Gateway.Limits;

/// <summary>
/// Admits chat turns under each tenant's <see cref="TenantLimits"/> (read live from configuration):
/// requests per minute and tokens per minute (token buckets), and concurrent streams (a concurrency
/// limiter held for the whole turn), and the turns that may wait for the cluster to start replying (bounded per
/// tenant, see <see cref="TenantLimits.MaxQueuedTurns"/>). A refused turn throws <see cref="QuotaExceededException"/>.
/// </summary>
public sealed class TenantLimiter : IDisposable
{
    /// <summary>Retry hint when a stream slot or a queue place is busy: the limiter cannot know when one frees up.</summary>
    internal static readonly TimeSpan BusyRetry = TimeSpan.FromSeconds(1);

    readonly IOptionsMonitor<GatewayOptions> _options;
    readonly PartitionedRateLimiter<string> _requests, _streams;
    readonly TokenMeter _tokens;
    readonly WaitingTurns _waiting = new();

    public TenantLimiter(IOptionsMonitor<GatewayOptions> options)
    {
        _options = options;
        // Partitions are keyed by tenant and limit, so an edited limit takes effect with a fresh limiter.
        _requests = PartitionedRateLimiter.Create<string, (string, int)>(tenant =>
            LimitsOf(tenant).RequestsPerMinute is { } n
                ? RateLimitPartition.GetTokenBucketLimiter((tenant, n), _ => PerMinute.Bucket(n))
                : RateLimitPartition.GetNoLimiter((tenant, 0)));
        _streams = PartitionedRateLimiter.Create<string, (string, int)>(tenant =>
            LimitsOf(tenant).ConcurrentStreams is { } n
                ? RateLimitPartition.GetConcurrencyLimiter((tenant, n), _ => new ConcurrencyLimiterOptions { PermitLimit = n, QueueLimit = 0 })
                : RateLimitPartition.GetNoLimiter((tenant, 0)));
        _tokens = new TokenMeter(tenant => LimitsOf(tenant).TokensPerMinute);
    }

    /// <summary>The limits that apply to <paramref name="tenant"/> now.</summary>
    public TenantLimits LimitsOf(string tenant) => _options.CurrentValue.LimitsOf(tenant);

    /// <summary>Admits one turn of <paramref name="tenant"/>; dispose the lease when the turn ends.</summary>
    public TurnLease Admit(string tenant)
    {
        // Tokens first: checking them consumes nothing, so a refusal there costs the tenant no request.
        _tokens.EnsureCredit(tenant);
        var limits = LimitsOf(tenant);
        int maxQueued = limits.MaxQueuedTurns ?? TenantLimits.DefaultMaxQueuedTurns;
        var place = _waiting.TryEnter(tenant, maxQueued)
            ?? throw new QuotaExceededException($"tenant '{tenant}' already has {maxQueued} turns waiting for the cluster", BusyRetry);
        var stream = _streams.AttemptAcquire(tenant);
        if (!stream.IsAcquired)
        {
            stream.Dispose();
            place.Dispose();
            throw new QuotaExceededException($"tenant '{tenant}' already has {limits.ConcurrentStreams} concurrent streams", BusyRetry);
        }
        using var request = _requests.AttemptAcquire(tenant);
        if (!request.IsAcquired)
        {
            stream.Dispose();
            place.Dispose();
            throw new QuotaExceededException(
                $"tenant '{tenant}' has used its {limits.RequestsPerMinute} requests per minute", PerMinute.RetryAfter(request, TimeSpan.FromMinutes(1)));
        }
        return new TurnLease(tenant, stream, _tokens, place, limits.QueueTimeout ?? TenantLimits.DefaultQueueTimeout);
    }

    public void Dispose()
    {
        _requests.Dispose();
        _streams.Dispose();
        _tokens.Dispose();
    }
}
