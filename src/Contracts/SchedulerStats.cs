namespace SmolLM3.Contracts;

/// <summary>A snapshot of a batch scheduler's counters.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.SchedulerStats")]
public sealed record SchedulerStats(
    [property: Id(0)] long Steps,
    [property: Id(1)] int MaxBatchSize,
    [property: Id(2)] double MeanBatchSize,
    [property: Id(3)] int ActiveSequences,
    [property: Id(4)] int QueuedSequences,
    [property: Id(5)] long GeneratedTokens);
