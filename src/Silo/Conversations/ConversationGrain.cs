using System.Runtime.CompilerServices;
using System.Text;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;
using SmolLM3.Silo.Storage;
using SmolLM3.Silo.Telemetry;
using Microsoft.Extensions.Options;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// One chat session. The transcript lives in grain state; the KV cache lives in the activation, drawn
/// from the model's block pool, and is reused across turns, so a follow-up turn only computes its new
/// tokens. Between turns the cache is idle: the pool may take its blocks for others, and the next turn
/// then recomputes the transcript by prefill. Generation itself happens in the silo's
/// <see cref="BatchScheduler"/>, batched with every other conversation.
/// </summary>
[ModelPlacement, GrainType(GrainTypeName)]
public sealed class ConversationGrain(
    [PersistentState(ConversationGrain.StateName, ConversationStorageExtensions.StorageName)] IPersistentState<ConversationState> state,
    ModelHost host,
    BatchScheduler scheduler,
    OpenTurns openTurns,
    SiloMetrics metrics,
    KvPoolCapacity capacity,
    IOptions<SmolLMSiloOptions> options) : Grain, IConversationGrain
{
    /// <summary>Grain type and state names, fixed because storage keys contain them.</summary>
    public const string GrainTypeName = "conversation", StateName = "conversation";

    readonly ConversationTokens _tokens = new();
    KvCache? _cache;
    CancellationTokenSource? _turn;   // set while a reply is generating
    Task _released = Task.CompletedTask;

    string Tenant => this.GetPrimaryKeyString().Split('/')[0];

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
        DropCache();
        return true;
    }

    public async IAsyncEnumerable<ChatChunk> ChatAsync(ChatTurnRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = state.State.Model ?? throw new KeyNotFoundException("session not found");
        using var open = openTurns.Enter();   // shutdown waits for this stream to end
        if (scheduler.IsDraining) throw Draining(new SiloDrainingException("the silo is shutting down and takes no new turns; retry the call"));
        if (_turn is not null) throw new InvalidOperationException("the session is already generating a reply");
        var sampling = Validate(request);
        var telemetry = new TurnTelemetry(metrics);

        // 1. prompt: the transcript plus the new messages, reusing the tokens the cache was built from
        //    in the session's template state, which this turn may change
        bool thinking = request.Thinking ?? state.State.Thinking;
        string[] tools = request.XmlTools ?? state.State.XmlTools;
        var promptText = host.Renderer.Render([.. state.State.Messages, .. request.Messages], thinking, tools);
        var (prompt, reused) = _tokens.Extend(host.Tokenizer, promptText);
        sampling = sampling with
        {
            MaxTokens = ReplyBudget.For(prompt.Length, request.Sampling.MaxTokens, options.Value.DefaultMaxTokens, host.Info.ContextLength, request.MaxContextTokens),
        };
        // a turn the whole pool could never hold is refused before anything starts (RESOURCE_EXHAUSTED)
        capacity.EnsureFits(Math.Min(prompt.Length + sampling.MaxTokens, host.Model.Config.MaxPositionEmbeddings));
        var cache = _cache ??= host.KvPool.NewCache();
        cache.MarkInUse();   // safe from eviction from here on; its length says what survived while idle
        int keep = Math.Min(Math.Min(reused, cache.Length), prompt.Length - 1);   // feed at least one token
        cache.Truncate(keep);

        // 2. hand the sequence to the scheduler; it owns the cache until the token channel completes
        using var turn = _turn = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var generation = new GenerationRequest
        {
            Tenant = Tenant, Cache = cache, Feed = prompt[keep..], History = prompt, Sampling = sampling, Cancellation = turn.Token,
            TraceContext = telemetry.TraceContext,
        };
        var released = new TaskCompletionSource();
        _released = released.Task;
        scheduler.Submit(generation);
        telemetry.Prompt(prompt.Length, keep);

        // 3. stream text as tokens arrive (reading without a token: the scheduler always completes the channel)
        var reply = new List<int>();
        var content = new StringBuilder();
        var decoder = new StreamingDecoder(host.Tokenizer);
        var stops = new StopStrings(request.Sampling.Stop);
        bool reasoning = false, stopString = false, done = false;
        TurnFinish? finish = null;
        string error = "";
        try
        {
            yield return ChatChunk.Started(model, prompt.Length, keep, RuntimeIdentity);
            while (true)
            {
                var (ok, token, failure) = await NextAsync(generation.Tokens);
                if (failure is SiloDrainingException draining) throw Draining(draining);   // nothing recorded: a retry is exact
                if (failure is not null) (finish, error) = (TurnFinish.Error, failure.Message);
                if (!ok) break;
                telemetry.Token();
                reply.Add(token.Id);
                if (token.Finish is { } f) finish = f == FinishReason.Stop ? TurnFinish.Stop : TurnFinish.Length;
                if (stopString || token.Finish == FinishReason.Stop) continue;   // stop tokens are not text
                var piece = decoder.Add(token.Id);
                if (token.Finish is not null) piece += decoder.Flush();
                var (ready, stopped) = stops.Push(piece);
                if (token.Finish is not null && !stopped) ready += stops.Flush();
                if (stopped) { stopString = true; turn.Cancel(); }
                if (piece == "<think>") reasoning = true;
                if (ready.Length > 0) { content.Append(ready); yield return ChatChunk.Delta(ready, reasoning); }
                if (piece == "</think>") reasoning = false;
            }
            if (stopString) finish = TurnFinish.Stop;
            finish ??= TurnFinish.Cancelled;

            // 4. remember the turn: the transcript when it completed, and which tokens the cache now holds
            if (finish is TurnFinish.Stop or TurnFinish.Length)
            {
                state.State.Messages.AddRange(request.Messages);
                (state.State.Thinking, state.State.XmlTools) = (thinking, tools);
                state.State.Messages.Add(new TurnMessage("assistant", content.ToString()));
                await state.WriteStateAsync();
            }
            int[] all = [.. prompt, .. reply];
            bool complete = !stopString && finish is TurnFinish.Stop or TurnFinish.Length && cache.Length == all.Length;
            if (complete) _tokens.Commit(prompt, promptText, reply, content + (finish == TurnFinish.Stop ? host.Tokenizer.Decode([reply[^1]]) : ""));
            else if (finish == TurnFinish.Cancelled) Abandon();
            else _tokens.Reset(all[..Math.Min(all.Length, cache.Length)]);
            done = true;
        }
        finally
        {
            if (!done)
            {
                // The caller walked away mid-stream: stop the sequence and wait until the scheduler lets go of the cache.
                turn.Cancel();
                while ((await NextAsync(generation.Tokens)).Ok) { }
                Abandon();
            }
            _turn = null;
            cache.MarkIdle();
            released.SetResult();
            telemetry.Finish(this.GetPrimaryKeyString(), (finish ?? TurnFinish.Cancelled).ToString(), generation.AdmittedAt);
        }

        yield return ChatChunk.Usage(prompt.Length, keep, reply.Count);
        yield return ChatChunk.Finished(finish.Value, error);

        // A cancelled turn never reaches the transcript: its blocks go back to the pool, and the cache keeps
        // only what it held before the turn (less, if it was preempted and recomputed part of the way).
        void Abandon()
        {
            cache.Truncate(Math.Min(keep, cache.Length));
            _tokens.Reset(prompt[..cache.Length]);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The scheduler may still hold the cache: stop the turn and wait for it to let go.
        _turn?.Cancel();
        await _released;
        DropCache();
    }

    /// <summary>Leaves this silo once the call ends, so the retry reactivates the conversation on another one.</summary>
    SiloDrainingException Draining(SiloDrainingException e)
    {
        DeactivateOnIdle();
        return e;
    }

    SessionInfo Describe() => new(state.State.Model!, state.State.Messages.Count, _cache?.Length ?? 0);

    void DropCache()
    {
        _cache?.Dispose();
        _cache = null;
        _tokens.Reset([]);
    }

    /// <summary>Checks the messages and builds the engine's sampling options, what the turn leaves out from the model's generation_config.json; throws <see cref="ArgumentException"/>.</summary>
    SamplingOptions Validate(ChatTurnRequest request)
    {
        if (request.Messages.Length == 0) throw new ArgumentException("messages must not be empty");
        foreach (var m in request.Messages)
            if (!TurnMessage.Roles.Contains(m.Role)) throw new ArgumentException($"unknown role '{m.Role}' (expected system, user or assistant)");
        var s = request.Sampling;
        var defaults = host.Defaults;
        return (defaults with
        {
            Temperature = s.Temperature ?? defaults.Temperature,
            TopP = s.TopP ?? defaults.TopP,
            TopK = s.TopK ?? defaults.TopK,
            MinP = s.MinP ?? defaults.MinP,
            RepetitionPenalty = s.RepetitionPenalty ?? defaults.RepetitionPenalty,
            PresencePenalty = s.PresencePenalty ?? defaults.PresencePenalty,
            FrequencyPenalty = s.FrequencyPenalty ?? defaults.FrequencyPenalty,
            Seed = s.Seed,
            MaxTokens = s.MaxTokens ?? options.Value.DefaultMaxTokens,
        }).Validate();
    }

    /// <summary>The next token; ok = false at the end, with the failure if the scheduler failed the sequence.</summary>
    static async ValueTask<(bool Ok, SequenceToken Token, Exception? Failure)> NextAsync(System.Threading.Channels.ChannelReader<SequenceToken> tokens)
    {
        try
        {
            while (await tokens.WaitToReadAsync())
                if (tokens.TryRead(out var token)) return (true, token, null);
            return (false, default, null);
        }
        catch (Exception e)
        {
            return (false, default, e);
        }
    }
}
