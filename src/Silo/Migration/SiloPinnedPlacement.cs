using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace SmolLM3.Silo.Migration;

/// <summary>Place an activation on the silo its key names (<see cref="SiloAddress.ToParsableString"/>): one grain per silo.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.SiloPinnedPlacement")]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static SiloPinnedPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="SiloPinnedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloPinnedPlacementAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);

/// <summary>Places a <see cref="SiloPinnedPlacement"/> grain on its silo; a key naming no active compatible silo fails the call.</summary>
public sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silo = SiloAddress.FromParsableString(key);
        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"silo {key} is not an active silo of this cluster");
    }
}
