namespace SmolLM3.Contracts.Errors;

/// <summary>
/// The silo is shutting down: it takes no new turns, and a turn it could not finish within the shutdown grace
/// period ends with this. Nothing was recorded, so the gateway answers UNAVAILABLE and a retry is exact.
/// </summary>
[GenerateSerializer, Alias("smollm3.SiloDrainingException")]
public sealed class SiloDrainingException : Exception
{
    public SiloDrainingException(string message) : base(message) { }
}
