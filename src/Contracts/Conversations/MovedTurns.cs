using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Errors;

namespace SmolLM3.Contracts.Conversations;

/// <summary>
/// Streams a turn, calling again when the conversation answers <see cref="ConversationMovedException"/> before its
/// first chunk: the call then reaches the conversation on the silo it moved to.
/// </summary>
public static class MovedTurns
{
    /// <summary>Calls after a move, at most; a conversation that keeps moving is an error.</summary>
    public const int MaxCalls = 3;

    public static async IAsyncEnumerable<ChatChunk> FollowAsync(Func<CancellationToken, IAsyncEnumerable<ChatChunk>> chat, [EnumeratorCancellation] CancellationToken ct = default)
    {
        IAsyncEnumerator<ChatChunk>? chunks = null;
        bool any = false;
        for (int call = 1; chunks is null; call++)
        {
            var next = chat(ct).GetAsyncEnumerator(ct);
            try
            {
                any = await next.MoveNextAsync();
                chunks = next;
            }
            catch (ConversationMovedException) when (call < MaxCalls)
            {
                await next.DisposeAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(50 * call), ct);   // the old activation is letting go
            }
            catch
            {
                await next.DisposeAsync();
                throw;
            }
        }
        await using (chunks)
        {
            if (!any) yield break;
            yield return chunks.Current;
            while (await chunks.MoveNextAsync()) yield return chunks.Current;
        }
    }
}
