namespace SmolLM3.Client;

/// <summary>How <see cref="SmolLMChatClient"/> calls the cluster.</summary>
public sealed class SmolLMClientOptions
{
    /// <summary>API key sent as <c>authorization: Bearer KEY</c>; it names the tenant every call runs as.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Model of new sessions and stateless calls when <c>ChatOptions.ModelId</c> is unset; null: the cluster's default.</summary>
    public string? DefaultModel { get; set; }
}
