using Orleans.Placement;

namespace SmolLM3.Silo.Models;

/// <summary>Marks a grain class as placed by <see cref="ModelPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ModelPlacementAttribute() : PlacementAttribute(ModelPlacement.Instance);
