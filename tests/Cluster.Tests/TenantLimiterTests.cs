using Microsoft.Extensions.Options;
using SmolLM3.Gateway;
using SmolLM3.Gateway.Hosting;
using SmolLM3.Gateway.Limits;

namespace SmolLM3.Cluster.Tests;

/// <summary>The tenant limiter on its own: which turns it admits, what a refusal says, and how limits are resolved.</summary>
public sealed class TenantLimiterTests
{
    sealed class FixedOptions(GatewayOptions value) : IOptionsMonitor<GatewayOptions>
    {
        public GatewayOptions CurrentValue { get; set; } = value;
        public GatewayOptions Get(string? name) => CurrentValue;
        public IDisposable? OnChange(Action<GatewayOptions, string?> listener) => null;
    }

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
