namespace SmolLM3.Contracts.Limits;

/// <summary>
/// The answer to <see cref="ITenantQuotaGrain.AdmitAsync"/>: the slot's lease, or why not (e.g. "has used its 60
/// requests per minute") and when to try again.
/// </summary>
[GenerateSerializer, Immutable, Alias("smollm3.QuotaDecision")]
public sealed record QuotaDecision(
    [property: Id(0)] Guid Lease,
    [property: Id(1)] string? Refusal,
    [property: Id(2)] TimeSpan RetryAfter)
{
    public bool Admitted => Refusal is null;

    public static QuotaDecision Admit(Guid lease) => new(lease, null, TimeSpan.Zero);

    public static QuotaDecision Refuse(string refusal, TimeSpan retryAfter) => new(Guid.Empty, refusal, retryAfter);
}
