namespace SmolLM3.Contracts.Errors;

/// <summary>
/// A turn waited in its silo's queue for its tenant's whole queue timeout before any of its prompt was scheduled,
/// and was refused (nothing recorded); the gateway answers RESOURCE_EXHAUSTED / 429 with <see cref="RetryAfter"/>.
/// Prefill time never counts: a turn whose prompt has begun is never refused for waiting.
/// </summary>
[GenerateSerializer, Alias("smollm3.QueueTimeoutException")]
public sealed class QueueTimeoutException : Exception
{
    public QueueTimeoutException(TimeSpan timeout)
        : base($"the turn waited {timeout.TotalSeconds:0.#} s in its silo's queue without being scheduled (the tenant's queue timeout) and was refused")
        => Timeout = timeout;

    /// <summary>The tenant's queue timeout the turn waited out.</summary>
    [Id(0)] public TimeSpan Timeout { get; }

    /// <summary>A retry hint: the silo cannot know when its queue frees up.</summary>
    public TimeSpan RetryAfter => TimeSpan.FromSeconds(1);
}
