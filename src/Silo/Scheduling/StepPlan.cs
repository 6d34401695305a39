namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// What one step does, decided by <see cref="StepPlanner.Plan"/>: the sequences that leave before the forward pass
/// and why, the ones pushed back to recompute, the ones taken from the queues, and the batch to run.
/// </summary>
public sealed record StepPlan(
    IReadOnlyList<ScheduledChunk> Batch,
    IReadOnlyList<SequenceEnd> Ended,
    IReadOnlyList<Preemption> Preempted,
    IReadOnlyList<Sequence> Admitted)
{
    /// <summary>Chunks that need logits: one sampled token each after the forward pass, in batch order.</summary>
    public int SampleCount => Batch.Count(c => c.WantsLogits);
}

/// <summary>One sequence's part of the step: the tokens to feed, and whether the last one's logits are sampled.</summary>
public sealed record ScheduledChunk(Sequence Sequence, int[] Tokens, bool WantsLogits);

/// <summary>A sequence leaving the scheduler; <paramref name="Needed"/> positions went past <paramref name="Limit"/> for the refusals.</summary>
public sealed record SequenceEnd(Sequence Sequence, EndReason Reason, int Needed = 0, int Limit = 0);

/// <summary>A running sequence whose <paramref name="Blocks"/> were taken for another; it waits to recompute.</summary>
public sealed record Preemption(Sequence Sequence, int Blocks);

/// <summary>Why a sequence left.</summary>
public enum EndReason
{
    /// <summary>The reply is over; its cache holds all of it but the final token, which the next turn feeds.</summary>
    Completed,
    /// <summary>Its caller cancelled it.</summary>
    Cancelled,
    /// <summary>It would grow past its cache's maximum length (the context).</summary>
    ContextOverflow,
    /// <summary>It needs more positions than the whole pool: no wait or preemption could make room.</summary>
    PoolTooSmall,
    /// <summary>It waited past its <see cref="Sequence.QueueDeadline"/> before any of it was scheduled.</summary>
    QueueTimeout,
    /// <summary>Shutdown's grace period ran out before it finished.</summary>
    Abandoned,
}

/// <summary>What the sampled tokens did (<see cref="StepPlanner.Update"/>): each token with its finish reason, and the sequences now done.</summary>
public sealed record StepResult(IReadOnlyList<(Sequence Sequence, SequenceToken Token)> Tokens, IReadOnlyList<Sequence> Completed);
