using Microsoft.Extensions.Options;

namespace SmolLM3.Gateway.Hosting;

/// <summary>Refuses limits (and request size bounds) below 1, a queue timeout not above zero, and ports outside 0..65535 at start-up, naming the configuration key.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        CheckLimits($"{GatewayOptions.Section}:DefaultLimits", options.DefaultLimits, errors);
        foreach (var (tenant, limits) in options.Tenants) CheckLimits($"{GatewayOptions.Section}:Tenants:{tenant}", limits, errors);
        if (options.SharedSlotLease < TimeSpan.FromSeconds(1))
            errors.Add($"{GatewayOptions.Section}:{nameof(GatewayOptions.SharedSlotLease)} must be at least 1 s; got {options.SharedSlotLease}");
        foreach (var (field, value) in new[]
        {
            (nameof(GatewayOptions.MaxRequestBytes), options.MaxRequestBytes),
            (nameof(GatewayOptions.MaxMessages), options.MaxMessages),
            (nameof(GatewayOptions.MaxTools), options.MaxTools),
        })
            if (value < 1) errors.Add($"{GatewayOptions.Section}:{field} must be at least 1; got {value}");
        CheckPort(nameof(GatewayOptions.GrpcPort), options.GrpcPort, errors);
        CheckPort(nameof(GatewayOptions.HttpPort), options.HttpPort, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    static void CheckLimits(string prefix, TenantLimits limits, List<string> errors)
    {
        foreach (var (field, value) in new[]
        {
            (nameof(TenantLimits.RequestsPerMinute), limits.RequestsPerMinute),
            (nameof(TenantLimits.TokensPerMinute), limits.TokensPerMinute),
            (nameof(TenantLimits.ConcurrentStreams), limits.ConcurrentStreams),
            (nameof(TenantLimits.MaxContextTokens), limits.MaxContextTokens),
            (nameof(TenantLimits.MaxQueuedTurns), limits.MaxQueuedTurns),
            (nameof(TenantLimits.Weight), limits.Weight),
        })
            if (value < 1) errors.Add($"{prefix}:{field} must be at least 1 (leave it unset for the default); got {value}");
        if (limits.QueueTimeout <= TimeSpan.Zero)
            errors.Add($"{prefix}:{nameof(TenantLimits.QueueTimeout)} must be positive (e.g. 00:00:30); got {limits.QueueTimeout}");
    }

    static void CheckPort(string field, int port, List<string> errors)
    {
        if (port is < 0 or > 65535) errors.Add($"{GatewayOptions.Section}:{field} must be in 0..65535; got {port}");
    }
}
