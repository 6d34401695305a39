using System.Diagnostics;
using System.Runtime.CompilerServices;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using Orleans.Runtime.Placement;
using SmolLM3.Silo.Migration;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;
using SmolLM3.Silo.Storage;

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
    [PersistentState(ConversationGrain.StateName, ConversationStorageExtensions.StorageName)] IPersistentState<ConversationState> state,
    TurnRunner runner,
    LocalConversations local,
    KvTransfer transfer,
    MoveTargets targets) : Grain, IConversationGrain, IConversationMover, IGrainMigrationParticipant
{
    /// <summary>Grain type and state names, fixed because storage keys contain them.</summary>
    public const string GrainTypeName = "conversation", StateName = "conversation";

    /// <summary>How long a new turn (or a deletion) waits for the turn before it to end, e.g. one its caller just cancelled.</summary>
    static readonly TimeSpan ReleaseWait = TimeSpan.FromSeconds(5);

    readonly ConversationCache _conversation = new();
    CancellationTokenSource? _turn;   // set while a reply is generating
    Task _released = Task.CompletedTask;
    MovedTokens? _moving;   // set once a drain sent the KV elsewhere
    bool _ended;   // set once the activation is deactivating

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
        await UntilIdleAsync("a reply is being generated; cancel it before deleting the session", CancellationToken.None);
        await state.ClearStateAsync();
        state.State = new ConversationState();
        _conversation.Drop();
        return true;
    }

    public async IAsyncEnumerable<ChatChunk> ChatAsync(ChatTurnRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (request.Choices != 1 || request.RawPrompt) throw new InvalidRequestException("a session turn has one reply to its messages (no n, no raw prompt)");
        await UntilIdleAsync("the session is already generating a reply", cancellationToken);
        if (_moving is not null) throw new ConversationMovedException("the conversation is moving to another silo; call again");
        var model = state.State.Model ?? throw new SessionNotFoundException(SessionId);

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
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _released = released.Task;
        try
        {
            await using var chunks = runner.RunAsync(input, _conversation, turn.Token).GetAsyncEnumerator(turn.Token);
            if (!await FirstChunkAsync(chunks)) yield break;
            yield return chunks.Current;
            while (await chunks.MoveNextAsync()) yield return chunks.Current;
        }
        finally
        {
            _turn = null;
            if (_ended) _conversation.Drop();   // a turn running when the activation ended drops the cache (see OnDeactivateAsync)
            released.SetResult();
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        local.Add(this.GetPrimaryKeyString(), () => _conversation.Length);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        local.Remove(this.GetPrimaryKeyString());
        _ended = true;
        if (_turn is null)
        {
            _conversation.Drop();
            return;
        }
        // The scheduler may still hold the cache: the turn drops it once it lets go. Stop it and wait, a little, for
        // that. A turn whose caller is between reads cannot end now (its next read waits for this deactivation, then
        // finds the next activation, which knows nothing of it: the caller is told to call again); Orleans disposes it
        // after this returns, and it drops the cache then.
        _turn.Cancel();
        try { await _released.WaitAsync(ReleaseWait, cancellationToken); }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException) { }
    }

    public async Task<int> MoveToAsync(SiloAddress target)
    {
        if (_turn is not null || state.State.Model is null || _moving is not null) return -1;
        return await MoveAsync(target);
    }

    /// <summary>Sends the KV to <paramref name="target"/>, then migrates there once idle; returns the positions sent.</summary>
    async Task<int> MoveAsync(SiloAddress target)
    {
        int sent = await transfer.SendAsync(_conversation.Tokens.Ids, target);
        _moving = new MovedTokens([.. _conversation.Tokens.Ids], _conversation.Tokens.Text);   // deactivation drops the cache's tokens
        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        this.MigrateOnIdle();
        return sent;
    }

    /// <summary>
    /// The turn's first chunk. A turn larger than this silo's whole pool moves the conversation to a silo whose pool
    /// holds it and fails with <see cref="ConversationMovedException"/>, so the caller's next call runs it there.
    /// </summary>
    async Task<bool> FirstChunkAsync(IAsyncEnumerator<ChatChunk> chunks)
    {
        try { return await chunks.MoveNextAsync(); }
        catch (KvCapacityExceededException e) when (targets.For(e.NeededTokens) is { } target)
        {
            int sent = await MoveAsync(target);
            throw new ConversationMovedException($"the turn needs KV for {e.NeededTokens} tokens, more than this silo's pool of {e.PoolTokens}; "
                + $"the conversation moved to {target} (with {sent} of its cached tokens), whose pool holds it: call again");
        }
    }

    // The activation moves with the tokens its KV was built from, so the next turn there extends them and finds the sent blocks.
    public void OnDehydrate(IDehydrationContext dehydrationContext) =>
        dehydrationContext.TryAddValue(MovedTokens.Key, _moving ?? new MovedTokens([.. _conversation.Tokens.Ids], _conversation.Tokens.Text));

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue(MovedTokens.Key, out MovedTokens? moved) && moved is not null)
            _conversation.Tokens.Restore(moved.Ids, moved.Text);
    }

    string SessionId => this.GetPrimaryKeyString().Split('/')[1];

    /// <summary>
    /// Waits, at most <see cref="ReleaseWait"/>, until no turn is in progress: a turn its caller just cancelled is
    /// still letting go of its cache. Turns are Orleans' always-interleaved stream calls, so the earlier turn winds
    /// down while this one waits. Throws <see cref="SessionBusyException"/> when it is still generating after that.
    /// </summary>
    async Task UntilIdleAsync(string busy, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        while (_turn is not null)
        {
            var left = ReleaseWait - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero) throw new SessionBusyException(busy);
            try { await _released.WaitAsync(left, cancellationToken); }
            catch (TimeoutException) { throw new SessionBusyException(busy); }
        }
    }

    SessionInfo Describe() => new(state.State.Model!, state.State.Messages.Count, _conversation.Length);
}
