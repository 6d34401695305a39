using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Placement;
using Orleans.Storage;
using SmolLM3.Contracts.Placement;
using SmolLM3.Silo.Conversations;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Storage;

namespace SmolLM3.Silo.Placement;

/// <summary>
/// Which model an activation needs: the caller's <see cref="ModelPlacementHint"/> (a conversation being
/// created), a model grain's own key, or the model stored with a conversation (one reactivated after its
/// silo was lost or it went idle). Null when nothing says (e.g. a session that was never created).
/// </summary>
public sealed class PlacementModels([FromKeyedServices(ConversationStorageExtensions.StorageName)] IGrainStorage conversations)
{
    static readonly GrainType Conversation = GrainType.Create(ConversationGrain.GrainTypeName);
    static readonly GrainType Model = GrainType.Create(ModelGrain.GrainTypeName);

    public async ValueTask<string?> ModelOfAsync(PlacementTarget target)
    {
        if (target.RequestContextData?.GetValueOrDefault(ModelPlacementHint.Key) is string hinted) return hinted;
        var id = target.GrainIdentity;
        if (id.Type == Model) return id.Key.ToString();
        if (id.Type != Conversation) return null;
        var state = new GrainState<ConversationState>();
        await conversations.ReadStateAsync(ConversationGrain.StateName, id, state);
        return state.RecordExists ? state.State?.Model : null;
    }
}
