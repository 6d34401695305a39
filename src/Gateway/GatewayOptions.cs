namespace SmolLM3.Gateway;

/// <summary>The gateway's configuration section "SmolLM3".</summary>
public sealed class GatewayOptions
{
    public const string Section = "SmolLM3";

    /// <summary>Defaults of <see cref="GrpcPort"/> and <see cref="HttpPort"/>.</summary>
    public const int DefaultGrpcPort = 5080, DefaultHttpPort = 8080;

    /// <summary>
    /// How long one write of a streamed reply may wait for a client that reads nothing before the call is ended (its turn
    /// stopped, its stream slot and KV freed). Its status cannot pass the data it never read, so the client finds the
    /// stream reset (gRPC CANCELLED) when it reads again; the gateway logs why.
    /// </summary>
    public TimeSpan StalledReaderTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>API key → tenant (configuration keys <c>SmolLM3:ApiKeys:KEY = tenant</c>).</summary>
    public Dictionary<string, string> ApiKeys { get; set; } = [];

    /// <summary>
    /// Path of a JSON file <c>{"KEY": "tenant", …}</c> (e.g. a mounted Kubernetes secret) whose keys are
    /// accepted alongside <see cref="ApiKeys"/>; it is read again when it changes, so keys can be rotated
    /// without a restart. On a key in both, the file wins.
    /// </summary>
    public string? ApiKeysFile { get; set; }

    /// <summary>Limits per tenant name (<c>SmolLM3:Tenants:NAME:RequestsPerMinute</c>, …); unset fields fall back to <see cref="DefaultLimits"/>.</summary>
    public Dictionary<string, TenantLimits> Tenants { get; set; } = [];

    /// <summary>Limits of tenants without their own entry, and of fields a tenant's entry leaves unset; unset here means unlimited.</summary>
    public TenantLimits DefaultLimits { get; set; } = new();

    /// <summary>Ids of the models the cluster serves; the first is the default for new sessions.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>Port of the gRPC endpoint (cleartext HTTP/2).</summary>
    public int GrpcPort { get; set; } = DefaultGrpcPort;

    /// <summary>Port of the OpenAI-compatible HTTP endpoint (HTTP/1.1).</summary>
    public int HttpPort { get; set; } = DefaultHttpPort;

    /// <summary>The limits that apply to <paramref name="tenant"/>: its own entry, field by field over the defaults.</summary>
    public TenantLimits LimitsOf(string tenant) =>
        Tenants.TryGetValue(tenant, out var own) ? own.Over(DefaultLimits) : DefaultLimits;

    /// <summary>
    /// Whether requests and tokens per minute and concurrent streams are also counted in one grain per tenant that
    /// every gateway shares, so a tenant's limits hold across gateway replicas (each gateway still counts its own).
    /// </summary>
    public bool SharedLimits { get; set; } = true;

    /// <summary>
    /// How long a shared stream slot stays leased without renewal; a gateway renews its slots three times a lease,
    /// so the slots of a gateway that died come back within this.
    /// </summary>
    public TimeSpan SharedSlotLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Largest request body the OpenAI API reads (larger: 413) and largest gRPC message the server receives (larger:
    /// RESOURCE_EXHAUSTED), in bytes.
    /// </summary>
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most messages one turn may carry (both APIs; more: INVALID_ARGUMENT / 400).</summary>
    public int MaxMessages { get; set; } = 1024;

    /// <summary>Most tool definitions one turn may carry (both APIs; more: INVALID_ARGUMENT / 400).</summary>
    public int MaxTools { get; set; } = 128;

    /// <summary>On shutdown, how long health says NOT_SERVING (and new calls get UNAVAILABLE) before the server stops accepting.</summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;
}
