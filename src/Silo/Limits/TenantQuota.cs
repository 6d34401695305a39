using SmolLM3.Contracts.Limits;

namespace SmolLM3.Silo.Limits;

/// <summary>
/// The counters of one tenant: buckets of requests and tokens holding a minute's worth and refilling evenly (the
/// token bucket may go below zero: that is debt, charged after the fact since a turn's size is known only as it
/// runs), and leased stream slots that lapse unless renewed. Limits come with each call, so an edited limit
/// applies at once.
/// </summary>
public sealed class TenantQuota(TimeProvider clock)
{
    /// <summary>Retry hint when every stream slot is taken: nobody can know when one frees up.</summary>
    static readonly TimeSpan SlotRetry = TimeSpan.FromSeconds(1);

    readonly Dictionary<Guid, (string Holder, DateTimeOffset Expires)> _slots = [];
    double? _requests, _tokens;
    DateTimeOffset _refilled = clock.GetUtcNow();

    /// <summary>Stream slots held now (expired leases not counted).</summary>
    public int Slots
    {
        get
        {
            Expire(clock.GetUtcNow());
            return _slots.Count;
        }
    }

    public QuotaDecision Admit(QuotaLimits limits, string holder, TimeSpan leaseFor)
    {
        var now = clock.GetUtcNow();
        Refill(limits, now);
        Expire(now);
        // Checks that consume nothing come first, so a refusal costs the tenant no request.
        if (limits.TokensPerMinute is { } tpm && _tokens < 1)
            return QuotaDecision.Refuse($"has used its {tpm} tokens per minute", Wait(1 - _tokens.Value, tpm));
        if (limits.ConcurrentStreams is { } streams && _slots.Count >= streams)
            return QuotaDecision.Refuse($"already has {streams} concurrent streams", SlotRetry);
        if (limits.RequestsPerMinute is { } rpm)
        {
            if (_requests < 1) return QuotaDecision.Refuse($"has used its {rpm} requests per minute", Wait(1 - _requests.Value, rpm));
            _requests -= 1;
        }
        var lease = Guid.NewGuid();
        _slots[lease] = (holder, now + leaseFor);
        return QuotaDecision.Admit(lease);
    }

    public void Renew(string holder, TimeSpan leaseFor)
    {
        var expires = clock.GetUtcNow() + leaseFor;
        foreach (var (lease, slot) in _slots.ToList())
            if (slot.Holder == holder) _slots[lease] = (holder, expires);
    }

    public void Release(Guid lease) => _slots.Remove(lease);

    public void Charge(QuotaLimits limits, int tokens)
    {
        Refill(limits, clock.GetUtcNow());
        if (limits.TokensPerMinute is not null && tokens > 0) _tokens -= tokens;
    }

    /// <summary>Adds what the time since the last refill earned, up to a minute's worth; a bucket starts full.</summary>
    void Refill(QuotaLimits limits, DateTimeOffset now)
    {
        double minutes = (now - _refilled).TotalMinutes;
        _refilled = now;
        _requests = Level(_requests, limits.RequestsPerMinute, minutes);
        _tokens = Level(_tokens, limits.TokensPerMinute, minutes);
    }

    static double? Level(double? level, int? perMinute, double minutes) =>
        perMinute is { } n ? Math.Min(n, (level ?? n) + minutes * n) : null;

    void Expire(DateTimeOffset now)
    {
        foreach (var (lease, slot) in _slots.ToList())
            if (slot.Expires <= now) _slots.Remove(lease);
    }

    /// <summary>How long a bucket of <paramref name="perMinute"/> takes to earn <paramref name="missing"/>.</summary>
    static TimeSpan Wait(double missing, int perMinute) => TimeSpan.FromMinutes(missing / perMinute);
}
