using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

/// <summary>
/// A queue deadline bounds only the wait before a sequence is first scheduled: past it a waiting sequence leaves
/// refused, while one that has started (prefilling, or back in the queue to recompute) is never refused.
/// </summary>
public sealed class QueueDeadlineTests
{
    static readonly StepLimits Limits = new(StepTokenBudget: 16, PrefillChunk: 8, MaxActiveSequences: 1);
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    static int[] Tokens(int count, int from = 1) => [.. Enumerable.Range(from, count)];

    [Fact]
    public void A_sequence_still_waiting_at_its_deadline_is_refused_and_the_running_one_goes_on()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var running = d.Submit("a", d.NewCache(), Tokens(3), Tokens(20, from: 100));
        d.Step();
        var waiting = d.Submit("b", d.NewCache(), Tokens(3), [7], queueTimeout: Timeout);

        d.Clock.Now += Timeout - TimeSpan.FromMilliseconds(1);
        var before = d.Step();
        Assert.Empty(before.Ended);
        Assert.Contains(waiting, d.Planner.Waiting);

        d.Clock.Now += TimeSpan.FromMilliseconds(1);
        var plan = d.Step();

        var end = Assert.Single(plan.Ended);
        Assert.Equal((waiting, EndReason.QueueTimeout), (end.Sequence, end.Reason));
        Assert.Equal(0, d.Planner.WaitingCount);
        Assert.Equal(running, Assert.Single(plan.Batch).Sequence);
        Assert.Empty(d.Streamed[waiting]);
        d.RunToEnd();
        Assert.Equal(Tokens(20, from: 100), d.Tokens(running));
    }

    [Fact]
    public void A_sequence_whose_deadline_passed_is_refused_even_when_it_could_start_now()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var late = d.Submit("t", d.NewCache(), Tokens(3), [7], queueTimeout: Timeout);
        d.Clock.Now += Timeout;

        var plan = d.Step();

        Assert.Equal((late, EndReason.QueueTimeout), (Assert.Single(plan.Ended).Sequence, plan.Ended[0].Reason));
        Assert.Empty(plan.Batch);
        Assert.True(d.Planner.IsIdle);
    }

    [Fact]
    public void A_sequence_scheduled_before_its_deadline_is_never_refused_however_long_its_prefill_takes()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var longOne = d.Submit("t", d.NewCache(), Tokens(200), [7], queueTimeout: Timeout);

        int steps = 0;
        while (!d.Planner.IsIdle)
        {
            d.Step();
            steps++;
            d.Clock.Now += TimeSpan.FromHours(1);   // each prefill piece takes an hour
        }

        Assert.Equal(200 / Limits.PrefillChunk, steps);   // the last piece samples the reply's one token, and it ends there
        Assert.Equal([7], d.Tokens(longOne));
        Assert.Equal(EndReason.Completed, d.Ends[longOne].Reason);
    }

    [Fact]
    public void A_started_sequence_preempted_back_into_the_queue_past_its_deadline_is_not_refused()
    {
        var d = new PlannerDriver(Limits with { MaxActiveSequences = 2 }, blocks: 2, blockTokens: 4);
        var first = d.Submit("t", d.NewCache(), Tokens(4), Tokens(3, from: 50), queueTimeout: Timeout);
        var second = d.Submit("t", d.NewCache(), Tokens(3), Tokens(3, from: 60), queueTimeout: Timeout);
        d.Step();   // both start, one block each, none free
        Assert.Equal(second, Assert.Single(d.Step().Preempted).Sequence);   // the first needs a second block
        Assert.Contains(second, d.Planner.Waiting);

        d.Clock.Now += Timeout * 10;
        d.RunToEnd();

        Assert.DoesNotContain(d.Ends.Values, e => e.Reason == EndReason.QueueTimeout);
        Assert.Equal(Tokens(3, from: 50), d.Tokens(first));
        Assert.Equal(Tokens(3, from: 60), d.Tokens(second));
    }

    [Fact]
    public void A_sequence_that_waits_for_blocks_is_refused_at_its_deadline_and_gives_up_nothing_it_held()
    {
        var d = new PlannerDriver(Limits with { MaxActiveSequences = 2 }, blocks: 2, blockTokens: 4);
        var big = d.Submit("a", d.NewCache(), Tokens(5), Tokens(3, from: 50));
        d.Step();   // both blocks taken
        var starved = d.Submit("b", d.NewCache(), Tokens(3), [7], queueTimeout: Timeout);
        d.Step();
        Assert.Contains(starved, d.Planner.Waiting);   // admitted, found no block, back first in line

        d.Clock.Now += Timeout;
        var plan = d.Step();

        Assert.Equal((starved, EndReason.QueueTimeout), (Assert.Single(plan.Ended).Sequence, plan.Ended[0].Reason));
        d.RunToEnd();
        Assert.Equal(Tokens(3, from: 50), d.Tokens(big));
    }

    [Fact]
    public void A_sequence_without_a_deadline_waits_as_long_as_it_takes()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var running = d.Submit("a", d.NewCache(), Tokens(3), Tokens(5, from: 100));
        d.Step();
        var patient = d.Submit("b", d.NewCache(), Tokens(3), [7]);
        d.Clock.Now = DateTimeOffset.MaxValue;

        d.RunToEnd();

        Assert.Equal([7], d.Tokens(patient));
        Assert.Equal(Tokens(5, from: 100), d.Tokens(running));
    }
}
