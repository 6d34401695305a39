namespace SmolLM3.Contracts;

/// <summary>Describes a model a silo serves.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.ModelInfo")]
public sealed record ModelInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string Architecture,
    [property: Id(2)] int ContextLength);
