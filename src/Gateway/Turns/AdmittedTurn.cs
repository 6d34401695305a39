using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
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
    /// Streams the turn. Started is held back until the reply's first token (or its end or failure): until then the
    /// turn is waiting, and past <see cref="TurnLease.QueueTimeout"/> it is cancelled and refused as a quota, so both APIs
    /// can still answer with a status (RESOURCE_EXHAUSTED / 429) rather than a broken stream.
    /// </summary>
    async IAsyncEnumerable<ChatChunk> RunAsync(Func<ChatTurnRequest, CancellationToken, IAsyncEnumerable<ChatChunk>> chat, [EnumeratorCancellation] CancellationToken ct)
    {
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        waiting.CancelAfter(lease.QueueTimeout);
        bool TimedOut() => waiting.IsCancellationRequested && !ct.IsCancellationRequested;
        ChatChunk? started = null;
        bool replying = false;
        await using var chunks = chat(turn, waiting.Token).GetAsyncEnumerator(waiting.Token);
        while (true)
        {
            bool more = false;
            ExceptionDispatchInfo? failure = null;
            try { more = await chunks.MoveNextAsync(); }
            catch (Exception) when (!replying && TimedOut()) { throw lease.TimedOut(); }
            catch (Exception e) when (!replying) { failure = ExceptionDispatchInfo.Capture(e); }   // after Started, as before
            if (!replying && (failure is not null || !more || chunks.Current.Kind != ChatChunkKind.Started))
            {
                waiting.CancelAfter(Timeout.InfiniteTimeSpan);   // replying, done or failed: the wait is over
                if (TimedOut()) throw lease.TimedOut();
                replying = true;
                lease.Replying();
                if (started is not null) yield return started;
                failure?.Throw();
            }
            if (!more) break;
            var chunk = chunks.Current;
            if (chunk.Kind == ChatChunkKind.Started)
            {
                lease.Charge(chunk.PromptTokens);
                started = chunk;
                continue;
            }
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
