namespace SmolLM3.Contracts.Conversations;

/// <summary>
/// One chat session: its transcript and, on the silo that hosts it, its KV cache. Keyed by
/// <see cref="ConversationKey"/> ("tenant/session") so a tenant can only ever address its own sessions.
/// </summary>
[Alias("smollm3.IConversationGrain")]
public interface IConversationGrain : IGrainWithStringKey
{
    /// <summary>Starts the session with a model; idempotent for the same model.</summary>
    ValueTask<SessionInfo> CreateAsync(string model);

    /// <summary>The session, or null when it was never created (or was deleted).</summary>
    ValueTask<SessionInfo?> DescribeAsync();

    /// <summary>Forgets the transcript and frees the cache; false when there was no session.</summary>
    ValueTask<bool> DeleteAsync();

    /// <summary>Appends the request's messages and streams the reply: Started, Deltas and ToolCalls, Usage, Finished.</summary>
    IAsyncEnumerable<ChatChunk> ChatAsync(ChatTurnRequest request, CancellationToken cancellationToken = default);
}
