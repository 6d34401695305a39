namespace SmolLM3.Engine.Hub;

/// <summary>A model could not be resolved: bad reference, hub error, failed download or a cache miss offline.</summary>
public sealed class HubException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The hub could not be reached (after retries), as opposed to answering with an error.</summary>
    public bool IsNetworkFailure { get; init; }
}
