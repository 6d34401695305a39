using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Placement;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// One chat session. The transcript lives in grain state; the KV cache lives in the activation, drawn
/// from the model's block pool, and is reused across turns, so a follow-up turn only computes its new
/// tokens. Between turns the cache is idle: the pool may take its blocks for others, and the next turn
/// then recomputes the transcript by prefill. Each turn runs through <see cref="TurnRunner"/>, which hands
/// the generation to the silo's <see cref="BatchScheduler"/>, batched with every other conversation.
/// </summary>
[ModelPlacement, GrainType(GrainTypeName)]
public sealed class ConversationGrain(
    [PersistentState(ConversationGrain.StateName, SiloHostingExtensions.ConversationStorage)] IPersistentState<ConversationState> state,
    TurnRunner runner) : Grain, IConversationGrain
{
    /// <summary>Grain type and state names, fixed because storage keys contain them.</summary>
    public const string GrainTypeName = "conversation", StateName = "conversation";

    readonly ConversationCache _conversation = new();
    CancellationTokenSource? _turn;   // set while a reply is generating
    Task _released = Task.CompletedTask;

    public async ValueTask<SessionInfo> CreateAsync(string model)
    {
        if (state.State.Model is { } existing && existing != model)
            throw new InvalidOperationException($"session already uses model {existing}");
        state.State.Model = model;
        await state.WriteStateAsync();
        return Describe();
    }

    public ValueTask<SessionInfo?> DescribeAsync() => ValueTask.FromResult(state.State.Model is null ? null : Describe());

    public async ValueTask<bool> DeleteAsync()
    {
        if (state.State.Model is null) return false;
        if (_turn is not null) throw new InvalidOperationException("a reply is being generated; cancel it before deleting the session");
        await state.ClearStateAsync();
        state.State = new ConversationState();
        _conversation.Drop();
        return true;
    }

    public async IAsyncEnumerable<ChatChunk> ChatAsync(ChatTurnRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = state.State.Model ?? throw new KeyNotFoundException("session not found");
        if (_turn is not null) throw new InvalidOperationException("the session is already generating a reply");

        // The turn renders in the session's template state, which it may change; a completed turn is remembered.
        bool thinking = request.Thinking ?? state.State.Thinking;
        string[] tools = request.XmlTools ?? state.State.XmlTools;
        var input = new TurnInput(this.GetPrimaryKeyString(), model, RuntimeIdentity, state.State.Messages, request, thinking, tools,
            DeactivateOnIdle, async reply =>
            {
                state.State.Messages.AddRange(request.Messages);
                (state.State.Thinking, state.State.XmlTools) = (thinking, tools);
                state.State.Messages.Add(reply);
                await state.WriteStateAsync();
            });
        using var turn = _turn = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var released = new TaskCompletionSource();
        _released = released.Task;
        try
        {
            await foreach (var chunk in runner.RunAsync(input, _conversation, turn.Token)) yield return chunk;
        }
        finally
        {
            _turn = null;
            released.SetResult();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The scheduler may still hold the cache: stop the turn and wait for it to let go.
        _turn?.Cancel();
        await _released;
        _conversation.Drop();
    }

    SessionInfo Describe() => new(state.State.Model!, state.State.Messages.Count, _conversation.Length);
}
