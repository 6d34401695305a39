using SmolLM3.Contracts.Limits;
using SmolLM3.Silo.Limits;

namespace SmolLM3.Silo.Tests.Limits;

/// <summary>One tenant's shared counters on a clock the test moves: refusals and their retry-after, refill, token debt, and leased slots.</summary>
public sealed class TenantQuotaTests
{
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    readonly ManualClock _clock = new();

    [Fact]
    public void Requests_per_minute_are_refused_past_the_minutes_worth_and_refill_evenly()
    {
        var quota = new TenantQuota(_clock);
        var limits = new QuotaLimits(RequestsPerMinute: 3, TokensPerMinute: null, ConcurrentStreams: null);
        for (int i = 0; i < 3; i++) Assert.True(quota.Admit(limits, "g1", Lease).Admitted);
        var refused = quota.Admit(limits, "g2", Lease);
        Assert.Equal("has used its 3 requests per minute", refused.Refusal);
        Assert.Equal(TimeSpan.FromSeconds(20), refused.RetryAfter);

        _clock.Now += TimeSpan.FromSeconds(20);
        Assert.True(quota.Admit(limits, "g2", Lease).Admitted);
        Assert.False(quota.Admit(limits, "g1", Lease).Admitted);
    }

    [Fact]
    public void Tokens_beyond_the_minute_are_debt_that_blocks_new_turns_until_repaid()
    {
        var quota = new TenantQuota(_clock);
        var limits = new QuotaLimits(null, TokensPerMinute: 60, null);
        Assert.True(quota.Admit(limits, "g1", Lease).Admitted);
        quota.Charge(limits, 100);   // 60 in hand, 40 owed
        var refused = quota.Admit(limits, "g2", Lease);
        Assert.Equal("has used its 60 tokens per minute", refused.Refusal);
        Assert.Equal(TimeSpan.FromSeconds(41), refused.RetryAfter);   // 40 owed plus one to start, at one a second

        _clock.Now += TimeSpan.FromSeconds(41);
        Assert.True(quota.Admit(limits, "g2", Lease).Admitted);
    }

    [Fact]
    public void A_released_slot_is_free_at_once_and_a_refused_stream_costs_no_request()
    {
        var quota = new TenantQuota(_clock);
        var limits = new QuotaLimits(RequestsPerMinute: 2, null, ConcurrentStreams: 1);
        var first = quota.Admit(limits, "g1", Lease);
        var refused = quota.Admit(limits, "g2", Lease);
        Assert.Equal("already has 1 concurrent streams", refused.Refusal);
        quota.Release(first.Lease);
        Assert.True(quota.Admit(limits, "g2", Lease).Admitted);   // the second request of the minute
    }

    [Fact]
    public void The_slots_of_a_holder_that_stops_renewing_expire_after_one_lease_while_renewed_ones_stay()
    {
        var quota = new TenantQuota(_clock);
        var limits = new QuotaLimits(null, null, ConcurrentStreams: 2);
        Assert.True(quota.Admit(limits, "alive", Lease).Admitted);
        Assert.True(quota.Admit(limits, "dead", Lease).Admitted);
        Assert.False(quota.Admit(limits, "alive", Lease).Admitted);

        _clock.Now += Lease / 3 * 2;
        quota.Renew("alive", Lease);
        Assert.Equal(2, quota.Slots);
        _clock.Now += Lease / 3 * 2;   // past the dead holder's lease, within the renewed one
        Assert.Equal(1, quota.Slots);
        Assert.True(quota.Admit(limits, "alive", Lease).Admitted);
    }
}
