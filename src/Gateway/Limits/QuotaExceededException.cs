namespace SmolLM3.Gateway.Limits;

/// <summary>A tenant is over one of its limits; the gateway answers RESOURCE_EXHAUSTED (HTTP 429) with <see cref="RetryAfter"/>.</summary>
public sealed class QuotaExceededException(string message, TimeSpan retryAfter)
    : Exception($"{message}; retry after {WholeSeconds(retryAfter)} s")
{
    /// <summary>How long until the request would be admitted (a hint: other turns may take the room first).</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary><paramref name="t"/> in whole seconds, at least 1, as a <c>retry-after</c> header carries it.</summary>
    public static int WholeSeconds(TimeSpan t) => Math.Max(1, (int)Math.Ceiling(t.TotalSeconds));
}
