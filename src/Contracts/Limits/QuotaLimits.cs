namespace SmolLM3.Contracts.Limits;

/// <summary>A tenant's limits as the gateway's configuration says them now; null is unlimited.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.QuotaLimits")]
public sealed record QuotaLimits(
    [property: Id(0)] int? RequestsPerMinute,
    [property: Id(1)] int? TokensPerMinute,
    [property: Id(2)] int? ConcurrentStreams)
{
    public bool IsUnlimited => RequestsPerMinute is null && TokensPerMinute is null && ConcurrentStreams is null;
}
