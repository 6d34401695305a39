using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Placement;
using SmolLM3.Gateway.Limits;
using SmolLM3.Gateway.Telemetry;

namespace SmolLM3.Gateway.Turns;

/// <summary>A turn past admission: holds the tenant's stream slot until disposed, charges the tokens it uses and counts them in the tenant's usage.</summary>
public sealed class AdmittedTurn(string tenant, ChatTurnRequest turn, TurnLease lease, TenantUsage usage) : IDisposable
{
    /// <summary>Streams the turn from <paramref name="conversation"/>, charging prompt and completion tokens as the grain reports them.</summary>
    public IAsyncEnumerable<ChatChunk> RunAsync(IConversationGrain conversation, CancellationToken ct) => RunAsync(conversation.ChatAsync, ct);

    /// <summary>
    /// Streams the turn as the whole conversation from a new <see cref="IStatelessTurnGrain"/> of the tenant, which
    /// keeps nothing. The caller sets <see cref="ModelPlacementHint"/> for <paramref name="model"/> first.
    /// </summary>
    public IAsyncEnumerable<ChatChunk> RunStatelessAsync(IGrainFactory grains, string model, CancellationToken ct)
    {
        var grain = grains.GetGrain<IStatelessTurnGrain>(ConversationKey.For(tenant, Guid.NewGuid().ToString("N")));
        return RunAsync((t, c) => grain.ChatAsync(model, t, c), ct);
    }

    /// <summary>
    /// Streams the turn as the grain sends it. The turn counts among the tenant's waiting turns until its first chunk
    /// after Started (a reply token, or its end); how long it may wait on its silo is the silo's to enforce.
    /// </summary>
    async IAsyncEnumerable<ChatChunk> RunAsync(Func<ChatTurnRequest, CancellationToken, IAsyncEnumerable<ChatChunk>> chat, [EnumeratorCancellation] CancellationToken ct)
    {
        // a conversation that moved to a silo with room for the turn is called again there
        await foreach (var chunk in MovedTurns.FollowAsync(c => chat(turn, c), ct))
        {
            if (chunk.Kind == ChatChunkKind.Started) lease.Charge(chunk.PromptTokens);
            else lease.Replying();
            if (chunk.Kind == ChatChunkKind.Usage)
            {
                lease.Charge(chunk.CompletionTokens);
                usage.Record(tenant, chunk);
            }
            yield return chunk;
        }
    }

    public void Dispose() => lease.Dispose();
}
