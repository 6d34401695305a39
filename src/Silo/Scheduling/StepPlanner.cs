namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// Decides every step of the batching loop and nothing else: it runs no model and owns no thread (after vLLM v1's
/// scheduler). Sequences wait in per-tenant queues (<see cref="Add"/>); <see cref="Plan"/> says what the next
/// forward pass feeds and who leaves, and <see cref="Update"/> takes the sampled tokens back. KV blocks come
/// from an <see cref="IKvBlocks"/> pool through each sequence's <see cref="ISequenceCache"/>; queue deadlines are
/// read on <paramref name="clock"/> (default: the system's).
/// </summary>
public sealed class StepPlanner(StepLimits limits, IKvBlocks pool, TimeProvider? clock = null)
{
    readonly StepLimits _limits = limits.Validate();
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly TenantQueues _waiting = new();
    readonly List<Sequence> _running = [];
    bool _abandoning;

    /// <summary>Sequences admitted and not yet done, in admission order.</summary>
    public IReadOnlyList<Sequence> Running => _running;

    /// <summary>Sequences waiting for admission (new, or pushed back to recompute).</summary>
    public IEnumerable<Sequence> Waiting => _waiting.All;
    public int WaitingCount => _waiting.Count;
    public bool IsIdle => _running.Count == 0 && _waiting.Count == 0;

    /// <summary>Queues a new sequence behind its tenant's others.</summary>
    public void Add(Sequence s) => _waiting.Enqueue(s);

    /// <summary>From the next step on, every sequence still here ends <see cref="EndReason.Abandoned"/>.</summary>
    public void AbandonRemaining() => _abandoning = true;

    /// <summary>Takes every sequence out, running and waiting (the loop is stopping).</summary>
    public List<Sequence> RemoveAll()
    {
        var all = _running.Concat(_waiting.RemoveWhere(_ => true)).ToList();
        _running.Clear();
        return all;
    }

    /// <summary>
    /// The next step: (0) past the shutdown grace period everyone ends; (1) cancelled sequences leave, and so do
    /// waiting ones past their queue deadline that never started; (2) every running sequence gets its next tokens —
    /// decoders first, one token each, then prefill pieces under the step's token budget — and (3) waiting
    /// sequences are admitted round-robin by tenant while budget and slots remain.
    /// Each piece has its KV blocks reserved first (see <see cref="Reserve"/>).
    /// </summary>
    public StepPlan Plan()
    {
        var step = new Draft(_limits.StepTokenBudget);
        if (_abandoning) EndEveryone(step);
        EndCancelled(step);
        EndOverdue(step);
        foreach (var s in _running.OrderBy(s => s.IsPrefilling ? 1 : 0).ToList())
            if (_running.Contains(s)) Schedule(s, step, admitting: false);   // an earlier one may have preempted it
        Admit(step);
        return new StepPlan(step.Batch, step.Ended, step.Preempted, step.Admitted);
    }

    /// <summary>
    /// Takes the step's sampled tokens back: <paramref name="sampled"/> holds one token per chunk that wanted logits,
    /// in batch order. Every chunk counts as fed; a sequence whose sampled token ends its reply is done.
    /// </summary>
    public StepResult Update(StepPlan plan, IReadOnlyList<int> sampled)
    {
        if (sampled.Count != plan.SampleCount)
            throw new ArgumentException($"the step wanted {plan.SampleCount} sampled tokens; got {sampled.Count}", nameof(sampled));
        var tokens = new List<(Sequence, SequenceToken)>();
        var completed = new List<Sequence>();
        int row = 0;
        foreach (var chunk in plan.Batch)
        {
            var s = chunk.Sequence;
            s.Advance(chunk.Tokens.Length);
            if (!chunk.WantsLogits) continue;
            int token = sampled[row++];
            var finish = s.Accept(token);
            tokens.Add((s, new SequenceToken(token, finish)));
            if (finish is null) continue;
            _running.Remove(s);
            completed.Add(s);
        }
        return new StepResult(tokens, completed);
    }

    /// <summary>The forward pass failed: every sequence of the batch leaves (the caller fails them).</summary>
    public List<Sequence> Fail(StepPlan plan)
    {
        var failed = plan.Batch.Select(c => c.Sequence).ToList();
        _running.RemoveAll(failed.Contains);
        return failed;
    }

    void EndEveryone(Draft step)
    {
        foreach (var s in _running.ToList()) End(s, step, EndReason.Abandoned);
        foreach (var s in _waiting.RemoveWhere(_ => true)) End(s, step, EndReason.Abandoned);
    }

    void EndCancelled(Draft step)
    {
        foreach (var s in _running.Where(s => s.Cancellation.IsCancellationRequested).ToList()) End(s, step, EndReason.Cancelled);
        foreach (var s in _waiting.RemoveWhere(s => s.Cancellation.IsCancellationRequested)) End(s, step, EndReason.Cancelled);
    }

    /// <summary>
    /// Refuses waiting sequences whose queue deadline passed before any of them was scheduled. One that started
    /// (and waits again only to recompute after a preemption) is never refused, however long its prefill took.
    /// </summary>
    void EndOverdue(Draft step)
    {
        var now = _clock.GetUtcNow();
        if (!_waiting.All.Any(s => s.IsOverdue(now))) return;
        foreach (var s in _waiting.RemoveWhere(s => s.IsOverdue(now))) End(s, step, EndReason.QueueTimeout);
    }

    /// <summary>Round-robin admission while the step has budget and a free slot.</summary>
    void Admit(Draft step)
    {
        while (step.Budget > 0 && _running.Count < _limits.MaxActiveSequences && _waiting.TryPeek(out var s))
        {
            _running.Add(s);
            if (Schedule(s, step, admitting: true))
            {
                _waiting.TryDequeue(out _);
                step.Admitted.Add(s);
                continue;
            }
            // No blocks until running sequences finish: it stays first in line, and nothing overtakes it.
            _running.Remove(s);
            break;
        }
    }

    /// <summary>Plans <paramref name="s"/>'s next piece; false when an admission found no blocks and must wait.</summary>
    bool Schedule(Sequence s, Draft step, bool admitting)
    {
        int take = s.IsPrefilling ? Math.Min(s.Remaining, Math.Min(_limits.PrefillChunk, step.Budget)) : s.Remaining;
        if (take <= 0) return true;
        int needed = s.Cache.Length + take;
        if (needed > s.Cache.MaxLength)
        {
            End(s, step, EndReason.ContextOverflow, needed, s.Cache.MaxLength);
            return true;
        }
        if (needed > pool.TotalTokens)
        {
            // Waiting or preempting could never make room (grains refuse such turns up front; this guards the loop).
            End(s, step, EndReason.PoolTooSmall, needed, pool.TotalTokens);
            return true;
        }
        if (!Reserve(s, take, step, admitting)) return !admitting;
        step.Batch.Add(new ScheduledChunk(s, s.Pending[s.Fed..(s.Fed + take)], s.WantsLogits(take)));
        s.MarkStarted();
        step.Budget -= take;
        return true;
    }

    /// <summary>
    /// Gets the blocks for <paramref name="s"/>'s next <paramref name="take"/> tokens: from the free list, else
    /// from idle conversations (least recently used first; they recompute on their next turn), else from the
    /// caches of sequences still waiting (they recompute when admitted). An admission that still finds no
    /// room waits. A running sequence then preempts the most recently admitted running sequence not yet in
    /// this step's batch, and finally itself (vLLM's recompute preemption): the first sequence of a step can
    /// always take everything, so some sequence always progresses and none that fits the pool is refused.
    /// </summary>
    bool Reserve(Sequence s, int take, Draft step, bool admitting)
    {
        while (!s.Cache.TryReserve(take))
        {
            if (pool.EvictIdle()) continue;
            if (_waiting.All.FirstOrDefault(w => w != s && w.Cache.BlockCount > 0) is { } holder)
            {
                holder.Recompute();
                continue;
            }
            if (admitting) return false;
            var victim = _running.LastOrDefault(r => r != s && !step.Batch.Any(c => c.Sequence == r));
            Preempt(victim ?? s, step);
            if (victim is null) return false;
        }
        return true;
    }

    /// <summary>Frees a running sequence's blocks and queues it first in line to recompute them.</summary>
    void Preempt(Sequence s, Draft step)
    {
        _running.Remove(s);
        step.Preempted.Add(new Preemption(s, s.Cache.BlockCount));
        s.Recompute();
        _waiting.PushFront(s);
    }

    void End(Sequence s, Draft step, EndReason reason, int needed = 0, int limit = 0)
    {
        _running.Remove(s);
        step.Ended.Add(new SequenceEnd(s, reason, needed, limit));
    }

    /// <summary>The step being planned.</summary>
    sealed class Draft(int budget)
    {
        public int Budget = budget;
        public readonly List<ScheduledChunk> Batch = [];
        public readonly List<SequenceEnd> Ended = [];
        public readonly List<Preemption> Preempted = [];
        public readonly List<Sequence> Admitted = [];
    }
}
