namespace SmolLM3.Silo.Models;

/// <summary>
/// Place an activation on a silo that serves its model and has the most free KV capacity (Placement's director
/// decides, from every silo's <see cref="IKvCapacity"/> reports). Once placed, Orleans keeps routing to that
/// activation, so later turns find their cache there.
/// </summary>
[GenerateSerializer, Immutable, Alias("smollm3.ModelPlacement")]
public sealed class ModelPlacement : PlacementStrategy
{
    public static ModelPlacement Instance { get; } = new();
}
