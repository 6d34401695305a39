using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// Answers a whole message list once, with no persistent state: its KV cache lives only for the turn and the
/// activation deactivates as soon as the reply has streamed. Placed like conversations, on a silo serving the model.
/// </summary>
[ModelPlacement, GrainType("stateless-turn"), CollectionAgeLimit(Minutes = 2)]
public sealed class StatelessTurnGrain(TurnRunner runner) : Grain, IStatelessTurnGrain
{
    public async IAsyncEnumerable<ChatChunk> ChatAsync(string model, ChatTurnRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.Choices is < 1 or > ChatTurnRequest.MaxChoices)
            throw new InvalidRequestException($"n must be between 1 and {ChatTurnRequest.MaxChoices}; got {request.Choices}");
        var chunks = request.Choices == 1 ? RunAsync(model, request, null, cancellationToken)
            : TurnChoices.RunAsync(request.Choices, (i, prefilled, ct) => RunAsync(model, TurnChoices.For(request, i), prefilled, ct), cancellationToken);
        await foreach (var chunk in chunks) yield return chunk;
        // Only after a whole reply: deactivating while a failure is on its way would abort the caller's enumeration
        // before the error reaches it. A failed or abandoned activation holds nothing and is collected within minutes.
        DeactivateOnIdle();
    }

    /// <summary>One reply, in a KV cache of its own that lives only for it.</summary>
    async IAsyncEnumerable<ChatChunk> RunAsync(string model, ChatTurnRequest request, Action? prefilled, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var conversation = new ConversationCache();
        var input = new TurnInput(this.GetPrimaryKeyString(), model, RuntimeIdentity, [], request,
            request.Thinking ?? false, request.XmlTools ?? [], DeactivateOnIdle, _ => Task.CompletedTask, prefilled);
        try
        {
            await foreach (var chunk in runner.RunAsync(input, conversation, cancellationToken)) yield return chunk;
        }
        finally
        {
            conversation.Drop();   // the runner has waited for the scheduler to let go of it
        }
    }
}
