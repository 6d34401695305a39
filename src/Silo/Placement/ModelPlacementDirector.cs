using Orleans.Runtime.Placement;
using SmolLM3.Contracts.Errors;
using SmolLM3.Contracts.Placement;
using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Placement;

/// <summary>
/// Places by <see cref="ModelPlacement"/>: among the silos Orleans offers for the grain, the one serving its
/// model with the most available KV tokens (<see cref="CapacityBoard"/>). No silo serving the model is a
/// <see cref="ModelUnavailableException"/>. Activations that name no model stay on the local silo; a migration's
/// placement hint (the silo a drain sent the conversation's KV to) wins over both. A stateless turn with a
/// <see cref="PrefixPlacementHint"/> goes where turns with the same start went (<see cref="CapacityBoard.ChooseByPrefix"/>).
/// </summary>
public sealed class ModelPlacementDirector(PlacementModels models, CapacityBoard board) : IPlacementDirector
{
    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var candidates = context.GetCompatibleSilos(target);
        // a migrating conversation names its new silo: the one its KV blocks were sent to
        if (IPlacementDirector.GetPlacementHint(target.RequestContextData, candidates) is { } hinted) return hinted;
        var model = await models.ModelOfAsync(target);
        if (model is null)
            return candidates.Contains(context.LocalSilo) ? context.LocalSilo : candidates[Random.Shared.Next(candidates.Length)];
        var chosen = target.RequestContextData?.GetValueOrDefault(PrefixPlacementHint.Key) is string prefix
            ? board.ChooseByPrefix(model, candidates, prefix)
            : board.Choose(model, candidates, context.LocalSilo);
        return chosen ?? throw new ModelUnavailableException(model,
            $"the active silos serve {(board.Models(candidates).ToList() is { Count: > 0 } served ? string.Join(", ", served) : "no model yet")}");
    }
}
