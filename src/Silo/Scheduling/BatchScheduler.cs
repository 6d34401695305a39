using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmolLM3.Contracts;
using SmolLM3.Contracts.Errors;
using SmolLM3.Engine.Model;
using SmolLM3.Silo.Hosting;
using SmolLM3.Silo.Models;
using SmolLM3.Silo.Telemetry;

namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// The one loop that owns batching on this silo. Requests arrive through a channel and wait in
/// per-tenant queues; each step (1) drops cancelled sequences, (2) gives every running sequence its
/// next tokens — one decode token each, prefill pieces under the step's token budget — admitting
/// waiting sequences round-robin by tenant while budget remains, each piece with its KV blocks
/// reserved first (see <see cref="Reserve"/>), (3) runs all of them in ONE ragged
/// <see cref="CausalLM.Forward"/>, and (4) samples each sequence with its own sampler.
/// </summary>
public sealed class BatchScheduler : BackgroundService
{
    readonly ModelHost host;
    readonly KvPoolCapacity capacity;
    readonly ILogger<BatchScheduler> logger;
    readonly SiloMetrics _metrics;

    public BatchScheduler(ModelHost host, KvPoolCapacity capacity, IOptions<SmolLMSiloOptions> options, SiloMetrics metrics, ILogger<BatchScheduler> logger)
    {
        (this.host, this.capacity, this.logger, _metrics, _options) = (host, capacity, logger, metrics, options.Value);
        metrics.Gauge("smollm3.queue.depth", "{sequence}", "Sequences waiting for a slot", () => Stats.QueuedSequences);
        metrics.Gauge("smollm3.sequences.active", "{sequence}", "Sequences being prefilled or decoded", () => Stats.ActiveSequences);
        metrics.Gauge("smollm3.kv.blocks.used", "{block}", "KV-cache blocks holding tokens (running or idle conversations)", () => host.KvPool.Stats.UsedBlocks);
        metrics.Gauge("smollm3.kv.blocks.free", "{block}", "KV-cache blocks free", () => host.KvPool.Stats.FreeBlocks);
        metrics.Gauge("smollm3.kv.blocks.idle", "{block}", "KV-cache blocks of idle conversations (evictable)", () => host.KvPool.Stats.IdleBlocks);
        metrics.Gauge("smollm3.kv.evictions", "{conversation}", "Idle conversations whose blocks were taken since start", () => host.KvPool.Stats.Evictions);
        metrics.Gauge("smollm3.kv.preemptions", "{sequence}", "Running sequences pushed back to recompute since start", () => _counters.KvCounts().Preemptions);
    }

    readonly Channel<GenerationRequest> _incoming = Channel.CreateUnbounded<GenerationRequest>(new UnboundedChannelOptions { SingleReader = true });
    readonly TenantQueues _waiting = new();
    readonly List<Sequence> _running = [];
    readonly SchedulerCounters _counters = new();
    readonly SmolLMSiloOptions _options;

    /// <summary>Queues a request; its tokens arrive on <see cref="GenerationRequest.Tokens"/>. Once draining, fails it at once (retryable).</summary>
    public void Submit(GenerationRequest request)
    {
        if (_draining)
            request.Output.TryComplete(new SiloDrainingException("the silo is shutting down and takes no new turns; retry the call"));
        else if (!_incoming.Writer.TryWrite(request))
            request.Output.TryComplete(new InvalidOperationException("the scheduler has stopped"));
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
            return new KvCacheStats(p.BlockTokens, p.TotalBlocks, p.UsedBlocks, p.FreeBlocks, p.IdleBlocks, p.Evictions, preemptions, cached);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        await Task.Yield();   // leave host start-up; forward passes block this (pool) thread
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                while (_incoming.Reader.TryRead(out var request))
                {
                    _counters.RecordCachedPrompt(request.History.Count - request.Feed.Length);
                    _waiting.Enqueue(new Sequence(request));
                }
                if (_running.Count == 0 && _waiting.Count == 0)
                {
                    _counters.SetOccupancy(0, 0);
                    await _incoming.Reader.WaitToReadAsync(stopping);
                    continue;
                }
                bool stepped = Step();
                _counters.SetOccupancy(_running.Count, _waiting.Count);
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
            foreach (var s in _running) s.Request.Output.TryComplete(stopped);
            foreach (var s in _waiting.RemoveWhere(_ => true)) s.Request.Output.TryComplete(stopped);
            while (_incoming.Reader.TryRead(out var r)) r.Output.TryComplete(stopped);
        }
    }

    /// <summary>One step; false when no sequence could be fed.</summary>
    bool Step()
    {
        // 0. past the shutdown grace period, everyone still here ends retryable
        if (_abandoned is { } abandoned)
        {
            foreach (var s in _running.ToList()) Release(s, abandoned);
            foreach (var s in _waiting.RemoveWhere(_ => true)) Release(s, abandoned);
        }

        // 1. cancelled sequences leave at once, running or waiting
        foreach (var s in _running.Where(s => s.Request.Cancellation.IsCancellationRequested).ToList()) Release(s);
        foreach (var s in _waiting.RemoveWhere(s => s.Request.Cancellation.IsCancellationRequested)) Release(s);

        // 2. decode tokens first (one each), then prefill pieces and admissions under the budget
        int budget = _options.StepTokenBudget;
        var batch = new List<(Sequence Seq, int Take)>();
        foreach (var s in _running.OrderBy(s => s.IsPrefilling ? 1 : 0).ToList())
            if (_running.Contains(s)) Plan(s, admitting: false);   // an earlier one may have preempted it
        while (budget > 0 && _running.Count < _options.MaxActiveSequences && _waiting.TryDequeue(out var admitted))
        {
            _running.Add(admitted);
            if (Plan(admitted, admitting: true)) continue;
            // No blocks until running sequences finish: it stays first in line, and nothing overtakes it.
            _running.Remove(admitted);
            _waiting.PushFront(admitted);
            break;
        }
        if (batch.Count == 0) return false;

        // 3. one forward pass for everyone: (Σ logits rows, vocab); the step's span links every turn it serves
        using var span = SiloTelemetry.Source.StartActivity("batch step", ActivityKind.Internal, default(ActivityContext),
            links: batch.Select(b => new ActivityLink(b.Seq.Request.TraceContext)));
        span?.SetTag("smollm3.batch.sequences", batch.Count);
        float[] logits;
        try
        {
            var chunks = batch.Select(b => new SequenceChunk(b.Seq.Request.Cache, b.Seq.Pending[b.Seq.Fed..(b.Seq.Fed + b.Take)], b.Seq.WantsLogits(b.Take) ? 1 : 0)).ToList();
            using var output = host.Model.Forward(chunks);
            // A step of only final-token commits asks for no logits (and an empty tensor has no data to read).
            logits = chunks.Any(c => c.LogitsCount > 0) ? HostCopy.ToArray<float>(output) : [];
        }
        catch (Exception e)
        {
            logger.LogError(e, "Forward pass over {Count} sequences failed", batch.Count);
            foreach (var (s, _) in batch) Release(s, e);
            return true;
        }

        // 4. each sequence samples from its own row
        int vocab = host.Model.Config.VocabSize, row = 0, sampled = 0;
        foreach (var (s, take) in batch)
        {
            bool wantsLogits = s.WantsLogits(take);
            s.Fed += take;
            if (s.Committing)
            {
                if (s.Remaining == 0) Release(s);
                continue;
            }
            if (!wantsLogits) continue;
            var token = s.Sample(logits.AsSpan(row++ * vocab, vocab));
            sampled++;
            s.Request.Output.TryWrite(token);
        }
        _counters.RecordStep(batch.Count, sampled);
        _metrics.BatchSize.Record(batch.Count, _metrics.Model);
        _metrics.BatchTokens.Record(batch.Sum(b => b.Take), _metrics.Model);
        _metrics.GeneratedTokens.Add(sampled, _metrics.Model);
        return true;

        // false: an admission found no blocks and must wait
        bool Plan(Sequence s, bool admitting)
        {
            int take = s.IsPrefilling ? Math.Min(s.Remaining, Math.Min(_options.PrefillChunk, budget)) : s.Remaining;
            if (take <= 0) return true;
            var cache = s.Request.Cache;
            if (cache.Length + take > cache.MaxLength)
            {
                // The final token of a reply at the very end of the context has nowhere to go: nothing lost.
                if (s.Committing) Release(s);
                else Release(s, new ContextOverflowException(cache.Length + take, cache.MaxLength));
                return true;
            }
            if (capacity.NeverFits(cache.Length + take) is { } tooLarge)
            {
                // Waiting or preempting could never make room (grains refuse such turns up front; this guards the loop).
                Release(s, tooLarge);
                return true;
            }
            if (!Reserve(s, take, admitting, batch)) return !admitting;
            batch.Add((s, take));
            budget -= take;
            if (s.Request.AdmittedAt == 0) s.Request.AdmittedAt = Stopwatch.GetTimestamp();
            return true;
        }
    }

    /// <summary>
    /// Gets the blocks for <paramref name="s"/>'s next <paramref name="take"/> tokens: from the free list, else
    /// from idle conversations (least recently used first; they recompute on their next turn), else from the
    /// caches of sequences still waiting (they recompute when admitted). An admission that still finds no
    /// room waits. A running sequence then preempts the most recently admitted running sequence not yet in
    /// this step's batch, and finally itself (vLLM's recompute preemption): the first sequence of a step can
    /// always take everything, so some sequence always progresses and none that fits the pool is refused.
    /// </summary>
    bool Reserve(Sequence s, int take, bool admitting, List<(Sequence Seq, int Take)> batch)
    {
        var cache = s.Request.Cache;
        while (!cache.TryReserve(take))
        {
            if (host.KvPool.EvictIdle()) continue;
            if (_waiting.All.FirstOrDefault(w => w != s && w.Request.Cache.BlockCount > 0) is { } holder)
            {
                holder.Recompute();
                continue;
            }
            if (admitting) return false;
            var victim = _running.LastOrDefault(r => r != s && !batch.Any(b => b.Seq == r));
            Preempt(victim ?? s);
            if (victim is null) return false;
        }
        return true;
    }

    /// <summary>Frees a running sequence's blocks and queues it first in line to recompute them.</summary>
    void Preempt(Sequence s)
    {
        _running.Remove(s);
        _counters.RecordPreemption();
        logger.LogDebug("Preempting a sequence of tenant {Tenant} holding {Blocks} KV blocks", s.Request.Tenant, s.Request.Cache.BlockCount);
        // A finished reply only lacks its last token in the cache: let it go rather than recompute it.
        if (s.Committing)
        {
            s.Request.Output.TryComplete();
            return;
        }
        s.Recompute();
        _waiting.PushFront(s);
    }

    /// <summary>Drops a sequence and hands its cache back by completing its output.</summary>
    void Release(Sequence s, Exception? error = null)
    {
        _running.Remove(s);
        s.Request.Output.TryComplete(error);
    }
}
