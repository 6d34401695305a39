using SmolLM3.Engine.Generation;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

/// <summary>
/// Runs a <see cref="StepPlanner"/> over a <see cref="FakeKvPool"/> as the batching loop would, with a scripted model:
/// each sequence samples the next token of its script. Feeding a chunk writes its tokens into the fake cache, and
/// every sample checks that the cache holds exactly the sequence's history (prompt + tokens sampled so far).
/// </summary>
sealed class PlannerDriver
{
    public const int StopToken = 0;

    readonly Dictionary<Sequence, int[]> _scripts = [];

    public PlannerDriver(StepLimits limits, int blocks, int blockTokens)
    {
        Limits = limits;
        Pool = new FakeKvPool(blocks, blockTokens);
        Planner = new StepPlanner(limits, Pool, Clock);
    }

    /// <summary>The planner's clock, for queue deadlines.</summary>
    public ManualClock Clock { get; } = new();

    public StepLimits Limits { get; }
    public FakeKvPool Pool { get; }
    public StepPlanner Planner { get; }

    /// <summary>Tokens each sequence streamed, with the finish reason of the last one.</summary>
    public Dictionary<Sequence, List<SequenceToken>> Streamed { get; } = [];

    /// <summary>How each sequence left, in the order they did.</summary>
    public Dictionary<Sequence, SequenceEnd> Ends { get; } = [];
    public int Preemptions { get; private set; }

    /// <summary>
    /// Submits a reply to <paramref name="prompt"/> in <paramref name="cache"/> (which may hold a prefix of it already)
    /// that samples <paramref name="reply"/> in order; it stops at a <see cref="StopToken"/> or after <paramref name="maxTokens"/>,
    /// and is refused if not started within <paramref name="queueTimeout"/> on <see cref="Clock"/>; its tenant has <paramref name="weight"/>.
    /// </summary>
    public Sequence Submit(string tenant, FakeCache cache, int[] prompt, int[] reply, int? maxTokens = null, CancellationToken cancellation = default,
        TimeSpan? queueTimeout = null, int weight = 1)
    {
        Assert.Equal(prompt[..cache.Length], cache.Tokens);
        var s = new Sequence(tenant, cache, prompt[cache.Length..], prompt, maxTokens ?? reply.Length, new HashSet<int> { StopToken }, cancellation)
        {
            QueueDeadline = Clock.Now + queueTimeout,
            Weight = weight,
        };
        _scripts[s] = reply;
        Streamed[s] = [];
        Planner.Add(s);
        return s;
    }

    public FakeCache NewCache(int maxLength = 4096) => Pool.NewCache(maxLength);

    /// <summary>One step: plan, feed every chunk into its cache, sample, hand the tokens back.</summary>
    public StepPlan Step()
    {
        var plan = Planner.Plan();
        Preemptions += plan.Preempted.Count;
        foreach (var end in plan.Ended) Leave(end);
        foreach (var chunk in plan.Batch) ((FakeCache)chunk.Sequence.Cache).Feed(chunk.Tokens);
        var sampled = plan.Batch.Where(c => c.WantsLogits).Select(c => Sample(c.Sequence)).ToList();
        var result = Planner.Update(plan, sampled);
        foreach (var (s, token) in result.Tokens) Streamed[s].Add(token);
        foreach (var s in result.Completed)
        {
            Assert.Equal(s.History.Take(s.History.Count - 1), ((FakeCache)s.Cache).Tokens);   // all but the final token, which no step fed
            Leave(new SequenceEnd(s, EndReason.Completed));
        }
        Pool.AssertConsistent();
        return plan;
    }

    /// <summary>Steps until nothing is left, failing past <paramref name="maxSteps"/> (a hang).</summary>
    public int RunToEnd(int maxSteps = 10_000)
    {
        int steps = 0;
        while (!Planner.IsIdle)
        {
            Assert.True(++steps <= maxSteps, $"still {Planner.Running.Count} running and {Planner.WaitingCount} waiting after {maxSteps} steps");
            Step();
        }
        return steps;
    }

    /// <summary>As a conversation does between turns: its cache goes idle, so the pool may take it.</summary>
    void Leave(SequenceEnd end)
    {
        Ends.Add(end.Sequence, end);
        ((FakeCache)end.Sequence.Cache).MarkIdle();
    }

    int Sample(Sequence s)
    {
        Assert.Equal(s.History, ((FakeCache)s.Cache).Tokens);
        return _scripts[s][s.Produced];
    }

    public List<int> Tokens(Sequence s) => Streamed[s].Select(t => t.Id).ToList();

    public FinishReason? LastFinish(Sequence s) => Streamed[s].LastOrDefault().Finish;
}
