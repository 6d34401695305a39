using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Placement;
using SmolLM3.Gateway.Limits;

namespace SmolLM3.Gateway.Turns;

/// <summary>A turn past admission: holds the tenant's stream slot until disposed and charges the tokens it uses.</summary>
public sealed class AdmittedTurn(ChatTurnRequest turn, TurnLease lease) : IDisposable
{
    /// <summary>Streams the turn from <paramref name="conversation"/>, charging prompt and completion tokens as the grain reports them.</summary>
    public IAsyncEnumerable<ChatChunk> RunAsync(IConversationGrain conversation, CancellationToken ct) => RunAsync(conversation.ChatAsync, ct);

    /// <summary>
    /// Streams the turn as the whole conversation from a new <see cref="IStatelessTurnGrain"/> of the tenant, which
    /// keeps nothing. The caller sets <see cref="ModelPlacementHint"/> for <paramref name="model"/> first.
    /// </summary>
    public IAsyncEnumerable<ChatChunk> RunStatelessAsync(IGrainFactory grains, string tenant, string model, CancellationToken ct)
    {
        var grain = grains.GetGrain<IStatelessTurnGrain>(ConversationKey.For(tenant, Guid.NewGuid().ToString("N")));
        return RunAsync((t, c) => grain.ChatAsync(model, t, c), ct);
    }

    async IAsyncEnumerable<ChatChunk> RunAsync(Func<ChatTurnRequest, CancellationToken, IAsyncEnumerable<ChatChunk>> chat, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var chunk in chat(turn, ct).WithCancellation(ct))
        {
            if (chunk.Kind == ChatChunkKind.Started) lease.Charge(chunk.PromptTokens);
            else if (chunk.Kind == ChatChunkKind.Usage) lease.Charge(chunk.CompletionTokens);
            yield return chunk;
        }
    }

    public void Dispose() => lease.Dispose();
}
