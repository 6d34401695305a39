namespace SmolLM3.Contracts.Hosting;

/// <summary>
/// How silos find each other and how the gateway finds them: section <c>SmolLM3:Cluster</c>, read by both
/// processes (each side does its own Orleans wiring).
/// </summary>
public sealed class SmolLMClusterOptions
{
    public const string Section = "SmolLM3:Cluster";

    /// <summary>Defaults of <see cref="SiloPort"/> and <see cref="GatewayPort"/> (Orleans' usual ports).</summary>
    public const int DefaultSiloPort = 11111, DefaultGatewayPort = 30000;

    /// <summary>Membership: <c>localhost</c> (one silo, development) or <c>redis</c>.</summary>
    public string Provider { get; set; } = "localhost";

    /// <summary>Redis connection string (StackExchange.Redis syntax) when <see cref="Provider"/> is redis.</summary>
    public string? Redis { get; set; }

    /// <summary>Orleans cluster id: silos and clients of one deployment share it.</summary>
    public string ClusterId { get; set; } = "smollm3";

    /// <summary>Orleans service id: stays the same across deployments (storage keys depend on it).</summary>
    public string ServiceId { get; set; } = "smollm3";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = DefaultSiloPort;

    /// <summary>Port Orleans clients (the gateway process) connect to.</summary>
    public int GatewayPort { get; set; } = DefaultGatewayPort;

    /// <summary>With <c>localhost</c> membership: the silo port of the first silo on this machine, which a second one joins (null: this is the first).</summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>Address other silos and clients reach this silo at; default: the host's own (or POD_IP under Kubernetes).</summary>
    public string? AdvertisedIP { get; set; }

    /// <summary>Kubernetes hosting: silo name, address and ids from the pod (POD_NAME, POD_NAMESPACE, POD_IP).</summary>
    public bool Kubernetes { get; set; }

    /// <summary>
    /// Orleans' response timeout, on silos and the gateway's client alike. A streamed turn's grain calls get a
    /// heartbeat every half of it while a long prefill runs, so it bounds how long a stream whose silo died
    /// without a word (SIGKILL, a lost node) hangs before it ends UNAVAILABLE.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a silo waits for a membership probe's answer (Orleans' ProbeTimeout; null: Orleans' default, 5 s).</summary>
    public TimeSpan? ProbeTimeout { get; set; }

    /// <summary>Missed probes before a silo suspects another dead (Orleans' NumMissedProbesLimit; null: Orleans' default, 3).</summary>
    public int? MissedProbesLimit { get; set; }

    /// <summary>Throws when the combination cannot work, naming the key to fix.</summary>
    public SmolLMClusterOptions Validate()
    {
        switch (Provider)
        {
            case "localhost": break;
            case "redis" when string.IsNullOrWhiteSpace(Redis):
                throw new InvalidOperationException($"{Section}:Provider is redis but {Section}:Redis (the connection string) is not set");
            case "redis": break;
            default:
                throw new InvalidOperationException($"{Section}:Provider '{Provider}' is not one of localhost, redis");
        }
        return this;
    }
}
