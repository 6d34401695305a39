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

    /// <summary>
    /// Turns of the tenant one gateway holds that wait for the cluster to start replying: from admission until the
    /// reply's first token (queued on a silo, or in prefill); a turn beyond them is refused at once with
    /// RESOURCE_EXHAUSTED / 429. Unset: <see cref="DefaultMaxQueuedTurns"/>.
    /// </summary>
    public int? MaxQueuedTurns { get; set; }

    /// <summary>
    /// Longest a turn waits in its silo's scheduler queue before any of its prompt is scheduled; then the silo drops
    /// it and the caller gets RESOURCE_EXHAUSTED / 429. Prefill does not count: once a turn's prompt has begun, no
    /// timeout applies, however long it is. Unset: <see cref="DefaultQueueTimeout"/>.
    /// </summary>
    public TimeSpan? QueueTimeout { get; set; }

    /// <summary>
    /// The tenant's share of admission on a busy silo: in weighted round-robin, a tenant of weight w starts up to w
    /// waiting turns in a row before the next tenant's turn (admissions, not tokens). Unset: 1.
    /// </summary>
    public int? Weight { get; set; }

    /// <summary>Defaults of the two bounds on waiting, which are never unlimited: a burst must not hold memory or callers without end.</summary>
    public const int DefaultMaxQueuedTurns = 64;
    public static readonly TimeSpan DefaultQueueTimeout = TimeSpan.FromMinutes(2);

    /// <summary>These limits, with every unset field taken from <paramref name="defaults"/>.</summary>
    public TenantLimits Over(TenantLimits defaults) => new()
    {
        RequestsPerMinute = RequestsPerMinute ?? defaults.RequestsPerMinute,
        TokensPerMinute = TokensPerMinute ?? defaults.TokensPerMinute,
        ConcurrentStreams = ConcurrentStreams ?? defaults.ConcurrentStreams,
        MaxContextTokens = MaxContextTokens ?? defaults.MaxContextTokens,
        MaxQueuedTurns = MaxQueuedTurns ?? defaults.MaxQueuedTurns,
        QueueTimeout = QueueTimeout ?? defaults.QueueTimeout,
        Weight = Weight ?? defaults.Weight,
    };
}
