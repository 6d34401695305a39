using SmolLM3.Engine.Generation;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

/// <summary>Each rule of the planner on a small hand-built case.</summary>
public sealed class StepPlannerTests
{
    static readonly StepLimits Limits = new(StepTokenBudget: 16, PrefillChunk: 8, MaxActiveSequences: 4);

    static int[] Tokens(int count, int from = 1) => [.. Enumerable.Range(from, count)];

    [Fact]
    public void A_decoding_reply_gets_a_token_every_step_while_a_long_prompt_prefills_in_chunks()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var running = d.Submit("t", d.NewCache(), Tokens(3), Tokens(40, from: 100));
        d.Step();
        var longOne = d.Submit("t", d.NewCache(), Tokens(60), [7]);

        int steps = 0;
        while (d.Streamed[longOne].Count == 0)
        {
            int before = d.Streamed[running].Count;
            var plan = d.Step();
            steps++;
            Assert.Equal(before + 1, d.Streamed[running].Count);
            var piece = Assert.Single(plan.Batch, c => c.Sequence == longOne);
            Assert.InRange(piece.Tokens.Length, 1, Limits.PrefillChunk);
            Assert.InRange(plan.Batch.Sum(c => c.Tokens.Length), 1, Limits.StepTokenBudget);
        }
        Assert.Equal(60 / Limits.PrefillChunk + 1, steps);   // 8 pieces of 8, the last of 4
    }

    [Fact]
    public void A_decoder_gets_its_blocks_before_a_prefill_piece_which_then_preempts_itself()
    {
        var d = new PlannerDriver(Limits with { StepTokenBudget = 8, PrefillChunk = 4 }, blocks: 3, blockTokens: 4);
        var prefilling = d.Submit("t", d.NewCache(), Tokens(10), [7]);
        var decoding = d.Submit("t", d.NewCache(), Tokens(2), Tokens(6, from: 50));
        d.Step();   // 4 prompt tokens of the first, all 2 of the second, which samples
        d.Step();   // 4 more of the first: both hold what they need, nothing free

        var plan = d.Step();   // the decoder's next position fits its block; the prefill's last 2 tokens need a third

        Assert.Equal(prefilling, Assert.Single(plan.Preempted).Sequence);
        Assert.Equal(decoding, plan.Batch[0].Sequence);   // then the prefill starts over in the blocks it gave back
        d.RunToEnd();
        Assert.Equal(Tokens(6, from: 50), d.Tokens(decoding));
        Assert.Equal([7], d.Tokens(prefilling));
    }

    [Fact]
    public void The_step_budget_stops_admission_once_spent()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        for (int i = 0; i < 4; i++) d.Submit("t", d.NewCache(), Tokens(20), [5]);

        var plan = d.Step();

        Assert.Equal([8, 8], plan.Batch.Select(c => c.Tokens.Length));
        Assert.Equal(2, plan.Admitted.Count);
        Assert.Equal(2, d.Planner.WaitingCount);
    }

    [Fact]
    public void No_more_than_MaxActiveSequences_run_at_once()
    {
        var d = new PlannerDriver(Limits with { MaxActiveSequences = 2 }, blocks: 100, blockTokens: 4);
        for (int i = 0; i < 3; i++) d.Submit("t", d.NewCache(), [1], Tokens(5));

        var plan = d.Step();

        Assert.Equal(2, plan.Batch.Count);
        Assert.Equal(2, d.Planner.Running.Count);
        Assert.Equal(1, d.Planner.WaitingCount);
    }

    [Fact]
    public void Admission_takes_tenants_in_turn()
    {
        var d = new PlannerDriver(Limits with { StepTokenBudget = 100, MaxActiveSequences = 10 }, blocks: 100, blockTokens: 4);
        foreach (var tenant in new[] { "a", "a", "a", "b", "c" }) d.Submit(tenant, d.NewCache(), [1], [2]);

        var plan = d.Step();

        Assert.Equal(["a", "b", "c", "a", "a"], plan.Admitted.Select(s => s.Tenant));
    }

    [Fact]
    public void A_tenant_of_weight_two_is_admitted_twice_in_each_of_its_turns()
    {
        var d = new PlannerDriver(Limits with { StepTokenBudget = 100, MaxActiveSequences = 10 }, blocks: 100, blockTokens: 4);
        foreach (var tenant in new[] { "a", "a", "a", "a", "b", "b" }) d.Submit(tenant, d.NewCache(), [1], [2], weight: tenant == "a" ? 2 : 1);

        var plan = d.Step();

        Assert.Equal(["a", "a", "b", "a", "a", "b"], plan.Admitted.Select(s => s.Tenant));
    }

    [Fact]
    public void An_idle_conversation_gives_up_its_blocks_before_anyone_is_preempted()
    {
        var d = new PlannerDriver(Limits, blocks: 4, blockTokens: 4);
        var idle = d.NewCache();
        Assert.True(idle.TryReserve(8));
        idle.Feed(Tokens(8));
        idle.MarkIdle();
        var running = d.Submit("t", d.NewCache(), Tokens(4), Tokens(3, from: 50));
        d.Step();   // holds 1 block (4 positions); 1 free

        var late = d.Submit("t", d.NewCache(), Tokens(8), [9]);
        var plan = d.Step();

        Assert.Empty(plan.Preempted);
        Assert.Equal(1, d.Pool.Evictions);
        Assert.Equal(0, idle.Length);
        Assert.Equal([running, late], plan.Batch.Select(c => c.Sequence));
    }

    [Fact]
    public void A_waiting_sequence_gives_up_its_blocks_before_a_running_one_is_preempted()
    {
        var d = new PlannerDriver(Limits with { MaxActiveSequences = 1 }, blocks: 4, blockTokens: 4);
        var running = d.Submit("t", d.NewCache(), Tokens(3), Tokens(8, from: 50));
        var cached = d.NewCache();
        Assert.True(cached.TryReserve(8));
        cached.Feed(Tokens(8));
        var waiting = d.Submit("t", cached, Tokens(9), [7]);   // a follow-up turn: 8 positions cached, 1 to feed

        for (int step = 0; cached.Length > 0; step++)
        {
            Assert.True(step < 20, "the waiting sequence kept its blocks");
            Assert.Empty(d.Step().Preempted);
        }
        Assert.Equal(waiting.History, waiting.Pending);   // it recomputes its whole prompt when admitted
        d.RunToEnd();
        Assert.Equal(0, d.Preemptions);
        Assert.Equal([7], d.Tokens(waiting));
        Assert.Equal(Tokens(8, from: 50), d.Tokens(running));
    }

    [Fact]
    public void The_most_recently_admitted_sequence_is_preempted_and_resumes_with_the_same_tokens()
    {
        var d = new PlannerDriver(Limits, blocks: 2, blockTokens: 4);
        var first = d.Submit("t", d.NewCache(), Tokens(4), Tokens(3, from: 50));
        var second = d.Submit("t", d.NewCache(), Tokens(3), Tokens(3, from: 60));
        d.Step();   // one block each, none free

        var plan = d.Step();   // the first needs a second block

        Assert.Equal(second, Assert.Single(plan.Preempted).Sequence);
        Assert.Equal(first, Assert.Single(plan.Batch).Sequence);
        Assert.Contains(second, d.Planner.Waiting);
        Assert.Equal(0, second.Cache.Length);
        Assert.Equal([1, 2, 3, 60], second.Pending);   // its prompt and the token it had sampled

        d.RunToEnd();
        Assert.Equal(Tokens(3, from: 50), d.Tokens(first));
        Assert.Equal(Tokens(3, from: 60), d.Tokens(second));
        Assert.Equal(FinishReason.Length, d.LastFinish(second));
    }

    [Fact]
    public void A_sequence_preempts_itself_when_every_other_is_already_in_the_batch()
    {
        var d = new PlannerDriver(Limits, blocks: 2, blockTokens: 4);
        var first = d.Submit("t", d.NewCache(), Tokens(3), Tokens(3, from: 50));
        var second = d.Submit("t", d.NewCache(), Tokens(4), Tokens(3, from: 60));
        d.Step();

        var plan = d.Step();   // the first still fits its block; the second needs another

        Assert.Equal(second, Assert.Single(plan.Preempted).Sequence);
        Assert.Equal(first, Assert.Single(plan.Batch).Sequence);
        d.RunToEnd();
        Assert.Equal(Tokens(3, from: 60), d.Tokens(second));
    }

    [Fact]
    public void A_reply_ends_in_the_step_that_samples_its_final_token_and_gives_its_blocks_to_the_next()
    {
        var d = new PlannerDriver(Limits, blocks: 2, blockTokens: 4);
        var first = d.Submit("t", d.NewCache(), Tokens(4), Tokens(3, from: 50));
        var done = d.Submit("t", d.NewCache(), Tokens(3), [60]);   // one token: its reply is over once sampled
        d.Step();

        Assert.Equal(EndReason.Completed, d.Ends[done].Reason);
        Assert.Equal([60], d.Tokens(done));
        Assert.Equal(Tokens(3), ((FakeCache)done.Cache).Tokens);   // the prompt; the final token is the next turn's to feed
        Assert.DoesNotContain(done, d.Planner.Running);

        var plan = d.Step();   // the first needs a second block: the finished reply's idle one, not a preemption

        Assert.Empty(plan.Preempted);
        Assert.Equal(first, Assert.Single(plan.Batch).Sequence);
        d.RunToEnd();
        Assert.Equal(Tokens(3, from: 50), d.Tokens(first));
    }

    [Fact]
    public void A_sequence_larger_than_the_whole_pool_is_refused_with_the_numbers()
    {
        var d = new PlannerDriver(Limits with { PrefillChunk = 32, StepTokenBudget = 64 }, blocks: 4, blockTokens: 4);
        var huge = d.Submit("t", d.NewCache(), Tokens(20), [5]);
        var small = d.Submit("t", d.NewCache(), Tokens(3), [5]);

        d.RunToEnd();

        Assert.Equal(new SequenceEnd(huge, EndReason.PoolTooSmall, Needed: 20, Limit: 16), d.Ends[huge]);
        Assert.Empty(d.Streamed[huge]);
        Assert.Equal(EndReason.Completed, d.Ends[small].Reason);
    }

    [Fact]
    public void A_reply_that_outgrows_the_context_ends_with_context_overflow_after_the_tokens_that_fit()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var s = d.Submit("t", d.NewCache(maxLength: 10), Tokens(8), Tokens(5, from: 50));

        d.RunToEnd();

        Assert.Equal(new SequenceEnd(s, EndReason.ContextOverflow, Needed: 11, Limit: 10), d.Ends[s]);
        Assert.Equal(Tokens(3, from: 50), d.Tokens(s));
    }

    [Fact]
    public void A_reply_whose_final_token_has_no_room_in_the_context_still_completes()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var s = d.Submit("t", d.NewCache(maxLength: 10), Tokens(8), Tokens(3, from: 50));

        d.RunToEnd();

        Assert.Equal(EndReason.Completed, d.Ends[s].Reason);
        Assert.Equal(Tokens(3, from: 50), d.Tokens(s));
        Assert.Equal(FinishReason.Length, d.LastFinish(s));
    }

    [Fact]
    public void A_stop_token_ends_the_reply_before_its_length()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var s = d.Submit("t", d.NewCache(), Tokens(3), [50, 51, PlannerDriver.StopToken], maxTokens: 10);

        d.RunToEnd();

        Assert.Equal([50, 51, PlannerDriver.StopToken], d.Tokens(s));
        Assert.Equal(FinishReason.StopToken, d.LastFinish(s));
    }

    [Fact]
    public void Cancelled_sequences_leave_at_the_next_step_running_or_waiting()
    {
        var d = new PlannerDriver(Limits with { MaxActiveSequences = 1 }, blocks: 100, blockTokens: 4);
        using var cancelRunning = new CancellationTokenSource();
        using var cancelWaiting = new CancellationTokenSource();
        var running = d.Submit("t", d.NewCache(), Tokens(3), Tokens(10, from: 50), cancellation: cancelRunning.Token);
        var waiting = d.Submit("t", d.NewCache(), Tokens(3), [5], cancellation: cancelWaiting.Token);
        var other = d.Submit("t", d.NewCache(), Tokens(3), [6]);
        d.Step();

        cancelRunning.Cancel();
        cancelWaiting.Cancel();
        var plan = d.Step();

        Assert.Equal([(running, EndReason.Cancelled), (waiting, EndReason.Cancelled)], plan.Ended.Select(e => (e.Sequence, e.Reason)));
        Assert.Equal(other, Assert.Single(plan.Batch).Sequence);
        d.RunToEnd();
        Assert.Equal([6], d.Tokens(other));
    }

    [Fact]
    public void Abandoning_ends_every_running_and_waiting_sequence_at_the_next_step()
    {
        var d = new PlannerDriver(Limits with { MaxActiveSequences = 1 }, blocks: 100, blockTokens: 4);
        var running = d.Submit("a", d.NewCache(), Tokens(3), Tokens(10, from: 50));
        var waiting = d.Submit("b", d.NewCache(), Tokens(3), [5]);
        d.Step();

        d.Planner.AbandonRemaining();
        var plan = d.Step();

        Assert.Empty(plan.Batch);
        Assert.Equal([(running, EndReason.Abandoned), (waiting, EndReason.Abandoned)], plan.Ended.Select(e => (e.Sequence, e.Reason)));
        Assert.True(d.Planner.IsIdle);
    }

    [Fact]
    public void An_admission_that_finds_no_blocks_waits_first_in_line()
    {
        var d = new PlannerDriver(Limits, blocks: 2, blockTokens: 4);
        var outside = d.NewCache();   // e.g. a conversation between turns, not yet idle
        Assert.True(outside.TryReserve(8));
        var a = d.Submit("a", d.NewCache(), Tokens(3), [5]);
        var b = d.Submit("b", d.NewCache(), Tokens(3), [5]);

        var plan = d.Step();
        Assert.Empty(plan.Batch);
        Assert.Empty(plan.Admitted);
        Assert.Equal(2, d.Planner.WaitingCount);

        outside.MarkIdle();
        plan = d.Step();
        Assert.Equal([a, b], plan.Admitted);
    }

    [Fact]
    public void A_failed_forward_pass_takes_its_batch_out()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        var s = d.Submit("t", d.NewCache(), Tokens(3), [5]);
        var plan = d.Planner.Plan();

        Assert.Equal([s], d.Planner.Fail(plan));
        Assert.True(d.Planner.IsIdle);
    }

    [Fact]
    public void Handing_back_the_wrong_number_of_tokens_is_an_error()
    {
        var d = new PlannerDriver(Limits, blocks: 100, blockTokens: 4);
        d.Submit("t", d.NewCache(), Tokens(3), [5]);
        var plan = d.Planner.Plan();

        var e = Assert.Throws<ArgumentException>(() => d.Planner.Update(plan, []));
        Assert.Contains("wanted 1 sampled tokens; got 0", e.Message);
    }

    [Fact]
    public void A_sequence_with_nothing_to_feed_or_limits_below_one_are_refused()
    {
        var pool = new FakeKvPool(4, 4);
        Assert.Throws<ArgumentException>(() => new Sequence("t", pool.NewCache(16), [], [1], 1, new HashSet<int>()));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new StepPlanner(Limits with { PrefillChunk = 0 }, pool));
        Assert.Contains("PrefillChunk must be at least 1", e.Message);
    }
}
