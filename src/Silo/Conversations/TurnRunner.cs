using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Contracts.Errors;
using SmolLM3.Engine.Chat;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Scheduling;
using SmolLM3.Silo.Telemetry;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// Runs one chat turn over a conversation's cache for the grains that hold one (a session, or a stateless
/// request): renders and tokenizes the prompt, hands the sequence to the <see cref="BatchScheduler"/>, and turns
/// the tokens that come back into chunks through the engine's <see cref="ChatTurn"/> (stop strings, reasoning,
/// tool calls).
/// </summary>
public sealed class TurnRunner(
    ModelHost host,
    BatchScheduler scheduler,
    OpenTurns openTurns,
    SiloMetrics metrics,
    KvPoolCapacity capacity,
    IOptions<SmolLMSiloOptions> options,
    ILogger<TurnRunner> logger)
{
    /// <summary>Streams the turn: Started, Deltas and ToolCalls, Usage, Finished. Cancelling stops the reply.</summary>
    public async IAsyncEnumerable<ChatChunk> RunAsync(TurnInput input, ConversationCache conversation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var open = openTurns.Enter();   // shutdown waits for this stream to end
        if (scheduler.IsDraining) throw Draining(input, new SiloDrainingException("the silo is shutting down and takes no new turns; retry the call"));
        var request = input.Request;
        var sampling = Validate(request);
        var telemetry = new TurnTelemetry(metrics);

        // 1. prompt: the transcript plus the new messages, reusing the tokens the cache was built from
        var promptText = request.RawPrompt ? request.Messages[0].Content   // a legacy completion: the text as sent
            : host.Renderer.Render([.. input.Transcript, .. request.Messages], input.Thinking, input.XmlTools);
        var (prompt, reused) = conversation.Tokens.Extend(host.Tokenizer, promptText);
        sampling = sampling with
        {
            MaxTokens = ReplyBudget.For(prompt.Length, request.Sampling.MaxTokens, options.Value.DefaultMaxTokens, host.Info.ContextLength, request.MaxContextTokens),
        };
        // a turn the whole pool could never hold is refused before anything starts (RESOURCE_EXHAUSTED)
        capacity.EnsureFits(Math.Min(prompt.Length + sampling.MaxTokens, host.Info.ContextLength));
        var opensReasoning = !request.RawPrompt && ChatPrompt.EndsInsideReasoning(promptText);
        var constraint = ReplyConstraints.For(request.Sampling.Format, host.Tokenizer, sampling.StopTokenIds, input.XmlTools, opensReasoning);
        var turn = new ChatTurn(new StreamingDecoder(host.Tokenizer), new ChatTurnOptions
        {
            StopStrings = [.. request.Sampling.Stop.Where(s => s.Length > 0)],   // an empty stop string asks for nothing
            StartInReasoning = opensReasoning,
            ParseToolCalls = request.ParseToolCalls && !request.RawPrompt,
            SplitReasoning = !request.RawPrompt,
        });
        var cache = conversation.Acquire(host.KvPool);   // its length says what survived while idle
        int held = ConversationTokens.Keep(cache, reused, prompt.Length);
        int keep = cache.AttachPrefix(prompt.AsSpan(0, prompt.Length - 1));   // blocks other sequences left with the same start

        // 2. hand the sequence to the scheduler; it owns the cache until the token channel completes
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var generation = new GenerationRequest
        {
            Tenant = input.Tenant, Cache = cache, Feed = prompt[keep..], History = prompt, Sampling = sampling, Cancellation = stop.Token,
            QueueTimeout = request.QueueTimeout, Weight = request.Weight ?? 1, TraceContext = telemetry.TraceContext, TopLogProbs = request.TopLogProbs,
            Constraint = constraint,
        };
        scheduler.Submit(generation);
        telemetry.Prompt(prompt.Length, keep);

        // 3. stream events as tokens arrive (reading without a token: the scheduler always completes the channel)
        var reply = new List<int>();
        var logProbs = new PendingLogProbs(host.Tokenizer);
        TurnFinish? finish = null;
        bool done = false;
        try
        {
            yield return ChatChunk.Started(input.Model, prompt.Length, keep, input.Silo);
            while (true)
            {
                var (ok, token, failure) = await NextAsync(generation.Tokens);
                Prefilled();
                if (failure is SiloDrainingException draining) throw Draining(input, draining);   // nothing recorded: a retry is exact
                if (failure is QueueTimeoutException refused) throw refused;   // never started: nothing recorded either
                if (failure is not null && turn.Finished?.Reason != FinishReason.StopString) throw Failed(failure, input);   // nothing recorded
                if (!ok) break;
                telemetry.Token();
                reply.Add(token.Id);
                if (!turn.IsFinished) logProbs.Add(token);
                foreach (var e in turn.Push(token.Id, token.Finish))
                {
                    if (e is FinishedEvent f)
                    {
                        finish = ToTurnFinish(f.Reason);
                        if (f.Reason == FinishReason.StopString) await stop.CancelAsync();   // the tokens after it are not wanted
                    }
                    else if (ToChunk(e, input) is { } chunk) yield return logProbs.Attach(chunk);
                }
            }
            finish ??= TurnFinish.Cancelled;

            // 4. remember the turn: the transcript when it completed, and which tokens the cache now holds
            if (finish is TurnFinish.Stop or TurnFinish.Length) await input.CompletedAsync(new TurnMessage("assistant", turn.Text));
            conversation.Tokens.Record(prompt, promptText, reply, turn, host.Tokenizer, cache.Length);
            if (finish == TurnFinish.Cancelled) Abandon();
            done = true;
        }
        finally
        {
            if (!done)
            {
                // The caller walked away mid-stream: stop the sequence and wait until the scheduler lets go of the cache.
                await stop.CancelAsync();
                while ((await NextAsync(generation.Tokens)).Ok) { }
                Abandon();
            }
            Prefilled();
            cache.MarkIdle();
            telemetry.Finish(input.Key, (finish ?? TurnFinish.Cancelled).ToString(), generation.AdmittedAt);
        }

        if (logProbs.Rest() is { } rest) yield return rest;
        yield return ChatChunk.Usage(prompt.Length, keep, reply.Count);
        yield return ChatChunk.Finished(finish.Value);

        void Prefilled()
        {
            input.Prefilled?.Invoke();
            input = input with { Prefilled = null };
        }

        // A cancelled turn never reaches the transcript: its blocks go back to the pool, and the cache keeps
        // only what it held before the turn (less, if it was preempted and recomputed part of the way).
        void Abandon()
        {
            cache.Truncate(Math.Min(held, cache.Length));
            conversation.Tokens.Reset(prompt[..cache.Length]);
        }
    }

    /// <summary>The chunk for a reply event; null for what is not sent (a warning is logged instead).</summary>
    ChatChunk? ToChunk(ChatEvent e, TurnInput input)
    {
        switch (e)
        {
            case ReasoningDelta r: return ChatChunk.Delta(r.Text, reasoning: true);
            case AnswerDelta a: return ChatChunk.Delta(a.Text, reasoning: false);
            case ToolCallEvent t: return ChatChunk.Call(TurnToolCall.New(t.Call.Name, t.Call.Arguments));
            case WarningEvent w:
                logger.LogWarning("Turn of {Conversation}: {Warning}", input.Key, w.Message);
                return null;
            default: return null;
        }
    }

    /// <summary>The engine's reason as the grain contract reports it: a stop token and a stop string are both a stop.</summary>
    static TurnFinish ToTurnFinish(FinishReason reason) => reason == FinishReason.Length ? TurnFinish.Length : TurnFinish.Stop;

    /// <summary>Logs why a turn failed under a new error id, which is all its caller is told.</summary>
    TurnFailedException Failed(Exception failure, TurnInput input)
    {
        var id = ErrorId.New();
        logger.LogError(failure, "Turn of conversation {Conversation} failed (error id {ErrorId})", input.Key, id);
        return new TurnFailedException(id);
    }

    static SiloDrainingException Draining(TurnInput input, SiloDrainingException e)
    {
        input.LeaveSilo();
        return e;
    }

    /// <summary>Checks the messages and builds the engine's sampling options, what the turn leaves out from the model's generation_config.json; throws <see cref="InvalidRequestException"/>.</summary>
    SamplingOptions Validate(ChatTurnRequest request)
    {
        if (request.Messages.Length == 0) throw new InvalidRequestException("messages must not be empty");
        if (request.RawPrompt && request.Messages.Length != 1) throw new InvalidRequestException("a raw prompt is one message");
        if (request.TopLogProbs is < 0 or > ChatTurnRequest.MaxTopLogProbs)
            throw new InvalidRequestException($"top_logprobs must be between 0 and {ChatTurnRequest.MaxTopLogProbs}; got {request.TopLogProbs}");
        foreach (var m in request.Messages)
            if (!TurnMessage.Roles.Contains(m.Role)) throw new InvalidRequestException($"unknown role '{m.Role}' (expected system, user, assistant or tool)");
        try
        {
            // the reply length is the silo's setting, not the model's max_new_tokens
            return request.Sampling.ToOverrides().ApplyTo(host.Defaults with { MaxTokens = options.Value.DefaultMaxTokens });
        }
        catch (ArgumentException e)   // the engine's range check of a setting the client sent
        {
            throw new InvalidRequestException(e.Message);
        }
    }

    /// <summary>The next token; ok = false at the end, with the failure if the scheduler failed the sequence.</summary>
    static async ValueTask<(bool Ok, SequenceToken Token, Exception? Failure)> NextAsync(ChannelReader<SequenceToken> tokens)
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
