namespace SmolLM3.Contracts.Conversations;

/// <summary>
/// One stateless turn: the request's messages are the whole conversation, answered once and not kept. Keyed
/// like a conversation ("tenant/unique id", see <see cref="ConversationKey"/>) but with nothing stored; the
/// activation goes away after its one turn. The caller sets the model's placement hint before calling.
/// </summary>
[Alias("smollm3.IStatelessTurnGrain")]
public interface IStatelessTurnGrain : IGrainWithStringKey
{
    /// <summary>Streams the reply of <paramref name="model"/> to the request's messages: Started, Deltas and ToolCalls, Usage, Finished.</summary>
    IAsyncEnumerable<ChatChunk> ChatAsync(string model, ChatTurnRequest request, CancellationToken cancellationToken = default);
}
