namespace SmolLM3.Gateway;

/// <summary>What one tenant may use; a null field is unlimited (or inherits, see <see cref="GatewayOptions.DefaultLimits"/>).</summary>
public sealed record TenantLimits
{
    /// <summary>Chat turns (gRPC StreamChat calls and chat completions) started per minute, refilled evenly.</summary>
    public int? RequestsPerMinute { get; set; }

    /// <summary>Prompt plus completion tokens per minute, charged as the cluster reports them; a new turn waits until the tenant is back in credit.</summary>
    public int? TokensPerMinute { get; set; }

    /// <summary>Chat turns generating at the same time.</summary>
    public int? ConcurrentStreams { get; set; }

    /// <summary>Most prompt plus reply tokens of one turn, when below the model's context length.</summary>
    public int? MaxContextTokens { get; set; }

    /// <summary>These limits, with every unset field taken from <paramref name="defaults"/>.</summary>
    public TenantLimits Over(TenantLimits defaults) => new()
    {
        RequestsPerMinute = RequestsPerMinute ?? defaults.RequestsPerMinute,
        TokensPerMinute = TokensPerMinute ?? defaults.TokensPerMinute,
        ConcurrentStreams = ConcurrentStreams ?? defaults.ConcurrentStreams,
        MaxContextTokens = MaxContextTokens ?? defaults.MaxContextTokens,
    };
}
