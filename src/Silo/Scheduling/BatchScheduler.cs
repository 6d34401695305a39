using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts;
using SmolLM3.Contracts.Errors;
using SmolLM3.Engine.Constraints;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Sampling;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Telemetry;

namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// The one loop that owns batching on this silo. Requests arrive through a channel; each step the
/// <see cref="StepPlanner"/> decides who runs and who leaves, then this loop runs the whole batch in ONE ragged
/// <see cref="ILanguageModel.Forward"/>, samples each sequence with its own sampler, and hands the tokens back
/// to the planner and to each request's channel.
/// </summary>
public sealed class BatchScheduler : BackgroundService, ISchedulerStats
{
    readonly ModelHost host;
    readonly KvPoolCapacity capacity;
    readonly ILogger<BatchScheduler> logger;
    readonly SiloMetrics _metrics;
    readonly StepPlanner _planner;
    readonly TimeProvider _clock = TimeProvider.System;

    public BatchScheduler(ModelHost host, KvPoolCapacity capacity, IOptions<SmolLMSiloOptions> options, SiloMetrics metrics, ILogger<BatchScheduler> logger)
    {
        (this.host, this.capacity, this.logger, _metrics) = (host, capacity, logger, metrics);
        var o = options.Value;
        _planner = new StepPlanner(new StepLimits(o.StepTokenBudget, o.PrefillChunk, o.MaxActiveSequences), new KvPoolAdapter(host), _clock);
        metrics.Gauge("smollm3.queue.depth", "{sequence}", "Sequences waiting for a slot", () => Stats.QueuedSequences);
        metrics.Gauge("smollm3.sequences.active", "{sequence}", "Sequences being prefilled or decoded", () => Stats.ActiveSequences);
        metrics.Gauge("smollm3.kv.blocks.used", "{block}", "KV-cache blocks holding tokens (running or idle conversations)", () => host.KvPool.Stats.UsedBlocks);
        metrics.Gauge("smollm3.kv.blocks.free", "{block}", "KV-cache blocks free", () => host.KvPool.Stats.FreeBlocks);
        metrics.Gauge("smollm3.kv.blocks.idle", "{block}", "KV-cache blocks of idle conversations (evictable)", () => host.KvPool.Stats.IdleBlocks);
        metrics.Gauge("smollm3.kv.evictions", "{conversation}", "Idle conversations whose blocks were taken since start", () => host.KvPool.Stats.Evictions);
        metrics.Gauge("smollm3.kv.blocks.shared", "{block}", "KV-cache blocks read by more than one sequence (a common prompt start held once)", () => host.KvPool.Stats.SharedBlocks);
        metrics.Gauge("smollm3.kv.blocks.cached", "{block}", "KV-cache blocks no sequence holds, kept for the next with the same prompt start (counted as free)", () => host.KvPool.Stats.CachedBlocks);
        metrics.Gauge("smollm3.kv.prefix.queried", "{token}", "Prompt positions looked up among shared KV blocks since start", () => host.KvPool.Stats.PrefixQueriedTokens);
        metrics.Gauge("smollm3.kv.prefix.hits", "{token}", "Of those, positions found and not computed", () => host.KvPool.Stats.PrefixHitTokens);
        metrics.Gauge("smollm3.kv.prefix.hit_ratio", "1", "Share of looked-up prompt positions found among shared KV blocks", () => host.KvPool.Stats.PrefixHitRate);
        metrics.Gauge("smollm3.kv.spill.restored", "{token}", "Prompt positions read back from the KV spill tier instead of computed since start", () => host.KvPool.Stats.RestoredTokens);
        metrics.Gauge("smollm3.kv.spill.blocks", "{block}", "KV blocks in the spill tier on disk", () => host.KvPool.Stats.Spill?.Blocks ?? 0);
        metrics.Gauge("smollm3.kv.spill.bytes", "By", "Bytes the KV spill tier takes on disk", () => host.KvPool.Stats.Spill?.Bytes ?? 0);
        metrics.Gauge("smollm3.kv.spill.healthy", "1", "0 once the KV spill tier's volume failed (blocks are then recomputed), else 1",
            () => host.KvPool.Stats.Spill?.Fault is null ? 1 : 0);
        metrics.Gauge("smollm3.kv.preemptions", "{sequence}", "Running sequences pushed back to recompute since start", () => _counters.KvCounts().Preemptions);
    }

    /// <summary>
    /// A request, the planner's sequence for it, its own sampler and, for a constrained reply, its grammar matcher
    /// (advanced only by sampled tokens, so a preempted sequence's recompute leaves it as it was).
    /// </summary>
    sealed record Generation(GenerationRequest Request, Sequence Sequence, Sampler Sampler, GrammarMatcher? Matcher);

    readonly Channel<Generation> _incoming = Channel.CreateUnbounded<Generation>(new UnboundedChannelOptions { SingleReader = true });
    readonly Dictionary<Sequence, Generation> _live = [];
    readonly SchedulerCounters _counters = new();

    /// <summary>Queues a request; its tokens arrive on <see cref="GenerationRequest.Tokens"/>. Once draining, fails it at once (retryable).</summary>
    public void Submit(GenerationRequest request)
    {
        if (_draining)
        {
            request.Output.TryComplete(new SiloDrainingException("the silo is shutting down and takes no new turns; retry the call"));
            return;
        }
        Generation generation;
        try
        {
            var sequence = new Sequence(request.Tenant, new KvCacheAdapter(request.Cache), request.Feed, request.History,
                request.Sampling.MaxTokens, request.Sampling.StopTokenIds, request.Cancellation)
            {
                QueueDeadline = DeadlineAfter(request.QueueTimeout),   // from submission: time in the incoming channel counts
                Weight = request.Weight,
            };
            generation = new Generation(request, sequence, new Sampler(request.Sampling), request.Constraint?.Start());
        }
        catch (ArgumentException e)
        {
            request.Output.TryComplete(e);
            return;
        }
        if (!_incoming.Writer.TryWrite(generation))
            request.Output.TryComplete(new InvalidOperationException("the scheduler has stopped"));
    }

    /// <summary>Now plus <paramref name="timeout"/>; null (no deadline) for none, or one beyond the calendar.</summary>
    DateTimeOffset? DeadlineAfter(TimeSpan? timeout)
    {
        var now = _clock.GetUtcNow();
        return timeout is { } t && t < DateTimeOffset.MaxValue - now ? now + t : null;
    }

    volatile bool _draining;
    volatile SiloDrainingException? _abandoned;

    /// <summary>True once <see cref="StopAdmitting"/> was called.</summary>
    public bool IsDraining => _draining;

    /// <summary>Shutdown has begun: new submissions fail with <see cref="SiloDrainingException"/>; running and queued ones go on.</summary>
    public void StopAdmitting() => _draining = true;

    /// <summary>The grace period is over: the next step ends every running and queued sequence with <see cref="SiloDrainingException"/>.</summary>
    public void AbandonRemaining()
    {
        _draining = true;
        _abandoned = new SiloDrainingException("the silo shut down before this turn finished; retry the call");
    }

    /// <summary>Steps, batch sizes and occupancy so far.</summary>
    public SchedulerStats Stats => _counters.Snapshot();

    /// <summary>The model's KV pool and what the scheduler did to fit sequences into it.</summary>
    public KvCacheStats KvStats
    {
        get
        {
            var p = host.KvPool.Stats;
            var (preemptions, cached) = _counters.KvCounts();
            return new KvCacheStats(p.BlockTokens, p.TotalBlocks, p.UsedBlocks, p.FreeBlocks, p.IdleBlocks, p.Evictions, preemptions, cached,
                p.SharedBlocks, p.CachedBlocks, p.PrefixQueriedTokens, p.PrefixHitTokens,
                p.RestoredTokens, p.Spill?.Blocks ?? 0, p.Spill?.Bytes ?? 0, p.Spill?.Fault);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Yield();   // leave host start-up; forward passes block this (pool) thread
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                while (_incoming.Reader.TryRead(out var g))
                {
                    _counters.RecordCachedPrompt(g.Request.History.Count - g.Request.Feed.Length);
                    _live[g.Sequence] = g;
                    _planner.Add(g.Sequence);
                }
                if (_planner.IsIdle)
                {
                    _counters.SetOccupancy(0, 0);
                    await _incoming.Reader.WaitToReadAsync(stopping);
                    continue;
                }
                bool stepped = Step();
                _counters.SetOccupancy(_planner.Running.Count, _planner.WaitingCount);
                // Nothing could run (the blocks a waiting sequence needs are briefly held outside the loop,
                // e.g. by a conversation between turns): look again shortly rather than spin.
                if (!stepped) await Task.Delay(10, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
        finally
        {
            _incoming.Writer.TryComplete();
            var stopped = new OperationCanceledException("the silo is shutting down");
            foreach (var s in _planner.RemoveAll()) Release(s, stopped);
            while (_incoming.Reader.TryRead(out var g)) g.Request.Output.TryComplete(stopped);
        }
    }

    /// <summary>One step as the planner decides it; false when no sequence could be fed.</summary>
    bool Step()
    {
        if (_abandoned is not null) _planner.AbandonRemaining();
        var plan = _planner.Plan();
        foreach (var p in plan.Preempted)
        {
            _counters.RecordPreemption();
            logger.LogDebug("Preempting a sequence of tenant {Tenant} holding {Blocks} KV blocks", p.Sequence.Tenant, p.Blocks);
        }
        foreach (var end in plan.Ended) Release(end.Sequence, Failure(end));
        if (plan.Batch.Count == 0) return false;
        foreach (var chunk in plan.Batch)
            if (_live[chunk.Sequence].Request is { AdmittedAt: 0 } admitted) admitted.AdmittedAt = Stopwatch.GetTimestamp();

        // one forward pass for everyone: (Σ logits rows, vocab); the step's span links every turn it serves
        using var span = SiloTelemetry.Source.StartActivity("batch step", ActivityKind.Internal, default(ActivityContext),
            links: plan.Batch.Select(c => new ActivityLink(_live[c.Sequence].Request.TraceContext)));
        span?.SetTag("smollm3.batch.sequences", plan.Batch.Count);
        TorchSharp.torch.Tensor output;
        try
        {
            var chunks = plan.Batch.Select(c => new SequenceChunk(_live[c.Sequence].Request.Cache, c.Tokens, c.WantsLogits ? 1 : 0)).ToList();
            output = host.Model.Forward(chunks);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Forward pass over {Count} sequences failed", plan.Batch.Count);
            foreach (var s in _planner.Fail(plan)) Release(s, e);
            return true;
        }

        var logProbs = new Dictionary<Sequence, SampledLogProbs>();
        List<int> sampled;
        // A step of only final-token commits asks for no logits (and an empty tensor has no data to read).
        using (output) sampled = plan.SampleCount > 0 ? HostCopy.Read(output, (Span<float> logits) => Sample(plan, logits, logProbs)) : [];
        var result = _planner.Update(plan, sampled);
        foreach (var (s, token) in result.Tokens) _live[s].Request.Output.TryWrite(token with { LogProbs = logProbs.GetValueOrDefault(s) });
        foreach (var s in result.Completed) Release(s);
        _counters.RecordStep(plan.Batch.Count, sampled.Count);
        _metrics.BatchSize.Record(plan.Batch.Count, _metrics.Model);
        _metrics.BatchTokens.Record(plan.Batch.Sum(c => c.Tokens.Length), _metrics.Model);
        _metrics.GeneratedTokens.Add(sampled.Count, _metrics.Model);
        return true;
    }

    /// <summary>
    /// Each sequence that wants logits samples from its own row of <paramref name="logits"/> (and reads its
    /// log-probabilities there), in the step's order; the planner takes the tokens back.
    /// </summary>
    List<int> Sample(StepPlan plan, Span<float> logits, Dictionary<Sequence, SampledLogProbs> logProbs)
    {
        int vocab = host.Model.Config.VocabSize, row = 0;
        var tokens = new List<int>(plan.SampleCount);
        foreach (var c in plan.Batch)
        {
            if (!c.WantsLogits) continue;
            var g = _live[c.Sequence];
            var logitsRow = logits.Slice(row++ * vocab, vocab);
            g.Matcher?.Apply(logitsRow);
            int token = g.Sampler.Sample(logitsRow, c.Sequence.History);
            g.Matcher?.Accept(token);
            if (g.Request.TopLogProbs is { } top) logProbs[c.Sequence] = LogProbs.Sampled(logitsRow, token, top);
            tokens.Add(token);
        }
        return tokens;
    }

    /// <summary>The error a sequence's caller sees for how it ended; null for a normal end (finished or cancelled).</summary>
    Exception? Failure(SequenceEnd end) => end.Reason switch
    {
        EndReason.ContextOverflow => new ContextOverflowException(end.Needed, end.Limit),
        EndReason.PoolTooSmall => capacity.TooLarge(end.Needed),
        EndReason.QueueTimeout => new QueueTimeoutException(_live[end.Sequence].Request.QueueTimeout ?? TimeSpan.Zero),
        EndReason.Abandoned => _abandoned,
        _ => null,
    };

    /// <summary>Lets go of a sequence: completing its output hands its cache back to the caller.</summary>
    void Release(Sequence s, Exception? error = null)
    {
        if (_live.Remove(s, out var g)) g.Request.Output.TryComplete(error);
    }
}
