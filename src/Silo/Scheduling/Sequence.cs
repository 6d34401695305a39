using SmolLM3.Engine.Generation;

namespace SmolLM3.Silo.Scheduling;

/// <summary>One reply as the <see cref="StepPlanner"/> tracks it: what is left to feed, what was produced, and when it stops.</summary>
public sealed class Sequence
{
    readonly List<int> _history;
    readonly int _maxTokens;
    readonly IReadOnlySet<int> _stopTokenIds;

    /// <param name="feed">Tokens the cache does not hold yet (at least one).</param>
    /// <param name="history">Every token of the prompt (the cache holds its first <c>history.Count - feed.Length</c>).</param>
    public Sequence(string tenant, ISequenceCache cache, int[] feed, IReadOnlyList<int> history, int maxTokens, IReadOnlySet<int> stopTokenIds, CancellationToken cancellation = default)
    {
        if (feed.Length == 0) throw new ArgumentException("a sequence needs at least one token to feed before its first sample", nameof(feed));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        (Tenant, Cache, Pending, _history, _maxTokens, _stopTokenIds, Cancellation) = (tenant, cache, feed, [.. history], maxTokens, stopTokenIds, cancellation);
    }

    /// <summary>Tenant whose queue it waits in.</summary>
    public string Tenant { get; }

    /// <summary>Its tenant's weight in round-robin admission: sequences the tenant may start in a row in its turn (at least 1).</summary>
    public int Weight
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Weight), value, $"a tenant's weight must be at least 1; got {value}");
    } = 1;
    public ISequenceCache Cache { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>When it is refused if none of it has been scheduled yet (its tenant's queue timeout); null = never.</summary>
    public DateTimeOffset? QueueDeadline { get; init; }

    /// <summary>Some of it has been in a step's batch: it no longer waits for its start, so no queue deadline applies.</summary>
    public bool HasStarted { get; private set; }

    /// <summary>Still waiting for its first step at <paramref name="now"/>, past its queue deadline.</summary>
    internal bool IsOverdue(DateTimeOffset now) => !HasStarted && now >= QueueDeadline;

    /// <summary>The prompt and every token sampled so far (what a recompute feeds, and the sampler's penalty history).</summary>
    public IReadOnlyList<int> History => _history;

    /// <summary>Tokens to feed: the prompt remainder while prefilling, then the last sampled token.</summary>
    public int[] Pending { get; private set; }
    public int Fed { get; private set; }
    public int Produced { get; private set; }

    /// <summary>More than one token to feed: a prompt, or a history being recomputed; fed in chunks under the step budget.</summary>
    public bool IsPrefilling => Remaining > 1;
    public int Remaining => Pending.Length - Fed;

    /// <summary>Whether feeding the next <paramref name="take"/> tokens ends the pending ones and so needs logits.</summary>
    internal bool WantsLogits(int take) => Fed + take == Pending.Length;

    internal void Advance(int fed) => Fed += fed;

    internal void MarkStarted() => HasStarted = true;

    /// <summary>
    /// Gives up the whole cache (preempted, or its blocks taken while it waited) and plans to feed the prompt
    /// and every token sampled so far again; sampling then continues where it was.
    /// </summary>
    internal void Recompute()
    {
        Cache.Clear();
        (Pending, Fed) = ([.. _history], 0);
    }

    /// <summary>
    /// Records a sampled token and returns its finish reason (a stop token, or the reply's length reached). The final
    /// token is never fed: the cache ends one short of the reply, as <see cref="Generator"/>'s does, and the next turn
    /// feeds it with its own prompt (a step for it alone held every reply's end back by a forward pass).
    /// </summary>
    internal FinishReason? Accept(int token)
    {
        _history.Add(token);
        Produced++;
        (Pending, Fed) = ([token], 0);
        return FinishRule.After(token, Produced, _stopTokenIds, _maxTokens);
    }
}
