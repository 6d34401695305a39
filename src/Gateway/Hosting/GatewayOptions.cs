namespace SmolLM3.Gateway.Hosting;

/// <summary>The gateway's configuration section "SmolLM3".</summary>
public sealed class GatewayOptions
{
    public const string Section = "SmolLM3";

    /// <summary>API key → tenant (configuration keys <c>SmolLM3:ApiKeys:KEY = tenant</c>).</summary>
    public Dictionary<string, string> ApiKeys { get; set; } = [];

    /// <summary>Ids of the models the cluster serves; the first is the default for new sessions.</summary>
    public List<string> Models { get; set; } = [];

    /// <summary>On shutdown, how long health says NOT_SERVING (and new calls get UNAVAILABLE) before the server stops accepting.</summary>
    public TimeSpan DrainDelay { get; set; } = TimeSpan.Zero;
}
