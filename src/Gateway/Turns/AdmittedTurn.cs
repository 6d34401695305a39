using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Gateway.Limits;

namespace SmolLM3.Gateway.Turns;

/// <summary>A turn past admission: holds the tenant's stream slot until disposed and charges the tokens it uses.</summary>
public sealed class AdmittedTurn(ChatTurnRequest turn, TurnLease lease) : IDisposable
{
    /// <summary>Streams the turn from <paramref name="conversation"/>, charging prompt and completion tokens as the grain reports them.</summary>
    public async IAsyncEnumerable<ChatChunk> RunAsync(IConversationGrain conversation, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var chunk in conversation.ChatAsync(turn, ct).WithCancellation(ct))
        {
            if (chunk.Kind == ChatChunkKind.Started) lease.Charge(chunk.PromptTokens);
            else if (chunk.Kind == ChatChunkKind.Usage) lease.Charge(chunk.CompletionTokens);
            yield return chunk;
        }
    }

    public void Dispose() => lease.Dispose();
}
