using Microsoft.Extensions.Options;
using SmolLM3.Gateway;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Gateway.Limits;

namespace SmolLM3.Cluster.Tests;

/// <summary>The tenant limiter on its own: which turns it admits, what a refusal says, and how limits are resolved.</summary>
public sealed class TenantLimiterTests
{
    static TenantLimiter Limiter(TenantLimits limits, out FixedOptions options)
    {
        options = new FixedOptions(new GatewayOptions { Tenants = { ["t"] = limits } });
        return new TenantLimiter(options);
    }

    static TenantLimiter Limiter(TenantLimits limits) => Limiter(limits, out _);

    [Fact]
    public void Requests_per_minute_refuse_the_next_turn_with_the_refill_interval_as_retry_after()
    {
        using var limiter = Limiter(new TenantLimits { RequestsPerMinute = 3 });
        for (int i = 0; i < 3; i++) limiter.Admit("t").Dispose();
        var e = Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
        Assert.Equal(TimeSpan.FromSeconds(20), e.RetryAfter);
        Assert.Contains("3 requests per minute", e.Message);
        limiter.Admit("other").Dispose();   // a tenant without limits
    }

    [Fact]
    public void A_stream_slot_frees_when_its_turn_is_disposed()
    {
        using var limiter = Limiter(new TenantLimits { ConcurrentStreams = 2 });
        var first = limiter.Admit("t");
        using var second = limiter.Admit("t");
        Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
        first.Dispose();
        limiter.Admit("t").Dispose();
    }

    [Fact]
    public void Tokens_used_beyond_the_bucket_are_debt_that_blocks_new_turns_until_repaid()
    {
        using var limiter = Limiter(new TenantLimits { TokensPerMinute = 60 });
        using (var turn = limiter.Admit("t")) turn.Charge(100);   // 60 from the bucket, 40 owed
        var e = Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
        Assert.InRange(e.RetryAfter.TotalSeconds, 39, 41);   // 40 owed plus one to start, at one a second
        Assert.Contains("60 tokens per minute", e.Message);
    }

    [Fact]
    public void A_refused_stream_does_not_use_up_a_request()
    {
        using var limiter = Limiter(new TenantLimits { RequestsPerMinute = 2, ConcurrentStreams = 1 });
        using (limiter.Admit("t"))
            Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
        limiter.Admit("t").Dispose();   // the second request of the minute
    }

    [Fact]
    public void A_tenants_own_limits_override_the_defaults_field_by_field_and_edits_apply_at_once()
    {
        using var limiter = Limiter(new TenantLimits { MaxContextTokens = 100 }, out var options);
        options.CurrentValue.DefaultLimits = new TenantLimits { MaxContextTokens = 500, ConcurrentStreams = 1 };
        Assert.Equal(new TenantLimits { MaxContextTokens = 100, ConcurrentStreams = 1 }, limiter.LimitsOf("t"));
        Assert.Equal(new TenantLimits { MaxContextTokens = 500, ConcurrentStreams = 1 }, limiter.LimitsOf("unlisted"));

        using var held = limiter.Admit("t");
        Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
        options.CurrentValue = new GatewayOptions { Tenants = { ["t"] = new TenantLimits { ConcurrentStreams = 2 } } };
        limiter.Admit("t").Dispose();
    }

    [Fact]
    public void Turns_waiting_beyond_the_queue_limit_are_refused_until_one_starts_replying()
    {
        using var limiter = Limiter(new TenantLimits { MaxQueuedTurns = 2 });
        using var first = limiter.Admit("t");
        using var second = limiter.Admit("t");
        var e = Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
        Assert.Contains("2 turns waiting", e.Message);
        Assert.Equal(TimeSpan.FromSeconds(1), e.RetryAfter);
        limiter.Admit("other").Dispose();   // another tenant's queue is its own

        first.Replying();
        first.Replying();   // counted once
        using var third = limiter.Admit("t");
        Assert.Throws<QuotaExceededException>(() => limiter.Admit("t"));
    }

    [Fact]
    public void Waiting_is_bounded_by_default_and_a_tenant_may_change_the_bounds()
    {
        using var limiter = Limiter(new TenantLimits { QueueTimeout = TimeSpan.FromSeconds(5) });
        using (var turn = limiter.Admit("t")) Assert.Equal(TimeSpan.FromSeconds(5), turn.QueueTimeout);
        using (var turn = limiter.Admit("unlisted")) Assert.Equal(TenantLimits.DefaultQueueTimeout, turn.QueueTimeout);

        var held = Enumerable.Range(0, TenantLimits.DefaultMaxQueuedTurns).Select(_ => limiter.Admit("unlisted")).ToList();
        Assert.Throws<QuotaExceededException>(() => limiter.Admit("unlisted"));
        held.ForEach(t => t.Dispose());
    }

    [Fact]
    public void A_queue_limit_below_one_or_a_timeout_not_above_zero_is_refused_at_start()
    {
        var options = new GatewayOptions
        {
            Tenants = { ["t"] = new TenantLimits { MaxQueuedTurns = 0 } },
            DefaultLimits = new TenantLimits { QueueTimeout = TimeSpan.Zero },
        };
        var result = new GatewayOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("SmolLM3:Tenants:t:MaxQueuedTurns must be at least 1", result.FailureMessage);
        Assert.Contains("SmolLM3:DefaultLimits:QueueTimeout must be positive", result.FailureMessage);
    }

    [Fact]
    public void A_weight_below_one_is_refused_at_start_and_an_unset_one_is_the_defaults()
    {
        var options = new GatewayOptions { Tenants = { ["t"] = new TenantLimits { Weight = 0 } } };
        var result = new GatewayOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("SmolLM3:Tenants:t:Weight must be at least 1", result.FailureMessage);
        Assert.Equal(3, new TenantLimits().Over(new TenantLimits { Weight = 3 }).Weight);
        Assert.Equal(2, new TenantLimits { Weight = 2 }.Over(new TenantLimits { Weight = 3 }).Weight);
    }

    [Fact]
    public void Limits_below_one_are_refused_at_start_naming_the_key()
    {
        var options = new GatewayOptions
        {
            Tenants = { ["t"] = new TenantLimits { TokensPerMinute = 0 } },
            DefaultLimits = new TenantLimits { ConcurrentStreams = -1 },
            HttpPort = 70000,
        };
        var result = new GatewayOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("SmolLM3:Tenants:t:TokensPerMinute must be at least 1", result.FailureMessage);
        Assert.Contains("SmolLM3:DefaultLimits:ConcurrentStreams must be at least 1", result.FailureMessage);
        Assert.Contains("SmolLM3:HttpPort must be in 0..65535", result.FailureMessage);
        Assert.True(new GatewayOptionsValidator().Validate(null, new GatewayOptions()).Succeeded);
    }
}
