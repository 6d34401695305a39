namespace SmolLM3.Silo.Placement;

/// <summary>One silo's report: the model it serves, its KV pool's figures (tokens), and whether it is shutting down (never chosen then).</summary>
[GenerateSerializer, Immutable, Alias("smollm3.SiloCapacity")]
public sealed record SiloCapacity(
    [property: Id(0)] SiloAddress Silo,
    [property: Id(1)] string Model,
    [property: Id(2)] int TotalTokens,
    [property: Id(3)] int AvailableTokens,
    [property: Id(4)] bool Draining = false);
