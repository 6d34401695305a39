using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;

namespace SmolLM3.Silo.Scheduling;

/// <summary>The scheduler's private state of one request: what is left to feed and what was produced.</summary>
sealed class Sequence(GenerationRequest request)
{
    public GenerationRequest Request { get; } = request;
    public Sampler Sampler { get; } = new(request.Sampling);
    public List<int> History { get; } = [.. request.History];

    /// <summary>Tokens to feed: the prompt remainder while prefilling, then the last sampled token.</summary>
    public int[] Pending { get; private set; } = request.Feed;
    public int Fed { get; set; }
    public int Produced { get; private set; }

    /// <summary>The reply is over; this last step only feeds the final token into the cache.</summary>
    public bool Committing { get; private set; }

    /// <summary>More than one token to feed: a prompt, or a history being recomputed; fed in chunks under the step budget.</summary>
    public bool IsPrefilling => Remaining > 1;
    public int Remaining => Pending.Length - Fed;

    /// <summary>Whether this step's piece ends the pending tokens and so needs logits.</summary>
    public bool WantsLogits(int take) => !Committing && Fed + take == Pending.Length;

    /// <summary>
    /// Gives up the whole cache (preempted, or its blocks taken while it waited) and plans to feed the prompt
    /// and every token sampled so far again; sampling then continues where it was.
    /// </summary>
    public void Recompute()
    {
        Request.Cache.Truncate(0);
        (Pending, Fed) = ([.. History], 0);
    }

    /// <summary>Samples from <paramref name="logits"/>, records the token and returns it with its finish reason.</summary>
    public SequenceToken Sample(ReadOnlySpan<float> logits)
    {
        int token = Sampler.Sample(logits, History);
        History.Add(token);
        Produced++;
        var finish = FinishRule.After(token, Produced, Request.Sampling);
        (Pending, Fed, Committing) = ([token], 0, finish is not null);
        return new SequenceToken(token, finish);
    }
}
