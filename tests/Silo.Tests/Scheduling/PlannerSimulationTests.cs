using SmolLM3.Engine.Generation;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Tests.Scheduling;

/// <summary>
/// Hundreds of random arrivals from four tenants (new conversations and follow-up turns on their cached transcripts,
/// some too long for the context, some cancelled) on a pool that cannot hold them all at once, stepped to the end
/// with every invariant checked at every step.
/// </summary>
public sealed class PlannerSimulationTests
{
    static readonly StepLimits Limits = new(StepTokenBudget: 48, PrefillChunk: 16, MaxActiveSequences: 6);
    const int Blocks = 40, BlockTokens = 8, Context = 200, Arrivals = 300;
    static readonly (string Tenant, double Share)[] Tenants = [("big", 0.55), ("mid", 0.25), ("small", 0.15), ("tiny", 0.05)];

    /// <summary>More schedules: among these, preemptions once let a tenant overtake others in the line.</summary>
    public static TheoryData<int> Seeds => [.. Enumerable.Range(6, 25)];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [MemberData(nameof(Seeds))]
    public void Random_schedules_keep_every_invariant_at_every_step(int seed)
    {
        var run = new Simulation(new Random(seed));
        run.Run();

        run.AssertEveryOutcome();
        // the schedule exercised the rules it is meant to test
        Assert.True(run.Driver.Preemptions > 0, "nothing was preempted");
        Assert.True(run.Driver.Pool.Evictions > 0, "no idle conversation was evicted");
        Assert.Contains(run.Driver.Ends.Values, e => e.Reason == EndReason.ContextOverflow);
        Assert.Contains(run.Driver.Ends.Values, e => e.Reason == EndReason.Cancelled);
    }

    /// <summary>One random schedule: arrivals, follow-ups and cancellations as the steps go by, and the checks.</summary>
    sealed class Simulation(Random rng)
    {
        public PlannerDriver Driver { get; } = new(Limits, Blocks, BlockTokens);

        sealed record Script(int Prompt, int[] Reply, bool Stops);

        readonly Dictionary<Sequence, Script> _scripts = [];
        readonly List<(int Step, CancellationTokenSource Cancel, Sequence Sequence)> _cancels = [];
        readonly List<(FakeCache Cache, int[] Transcript)> _between = [];   // finished conversations that may come back
        readonly HashSet<Sequence> _admitted = [];
        readonly Dictionary<string, HashSet<string>> _admittedWhileWaiting = [];
        Dictionary<string, int> _newWaiting = [];   // never-admitted sequences each tenant had waiting before the step
        readonly HashSet<Sequence> _followedUp = [];

        public void Run()
        {
            int submitted = 0;
            for (int step = 0; submitted < Arrivals || !Driver.Planner.IsIdle; step++)
            {
                Assert.True(step < 20_000, $"still {Driver.Planner.Running.Count} running and {Driver.Planner.WaitingCount} waiting after {step} steps");
                for (int n = rng.Next(3); n > 0 && submitted < Arrivals; n--, submitted++) Arrive(step);
                foreach (var c in _cancels.Where(c => c.Step == step)) c.Cancel.Cancel();
                Step();
                RememberFinished();
            }
        }

        void Arrive(int step)
        {
            var tenant = PickTenant();
            FakeCache cache;
            int[] prompt;
            if (_between.Count > 0 && rng.NextDouble() < 0.3)
            {
                // a follow-up turn: the transcript so far plus a new message, over whatever of its cache survived
                int i = rng.Next(_between.Count);
                (cache, var transcript) = _between[i];
                _between.RemoveAt(i);
                cache.MarkInUse();
                prompt = [.. transcript, .. RandomTokens(rng.Next(1, 40))];
                cache.Truncate(Math.Min(cache.Length, prompt.Length - 1));
            }
            else
            {
                cache = Driver.NewCache(Context);
                prompt = RandomTokens(rng.NextDouble() < 0.08 ? rng.Next(Context - 20, Context + 60) : rng.Next(1, 120));
            }
            bool stops = rng.NextDouble() < 0.3;
            int[] reply = RandomTokens(rng.Next(1, 40));
            if (stops) reply[^1] = PlannerDriver.StopToken;
            var cancel = new CancellationTokenSource();
            var s = Driver.Submit(tenant, cache, prompt, reply, stops ? reply.Length + rng.Next(0, 10) : reply.Length, cancel.Token);
            _scripts[s] = new Script(prompt.Length, reply, stops);
            if (rng.NextDouble() < 0.1) _cancels.Add((step + rng.Next(0, 30), cancel, s));
        }

        string PickTenant()
        {
            double x = rng.NextDouble();
            foreach (var (tenant, share) in Tenants)
                if ((x -= share) < 0) return tenant;
            return Tenants[^1].Tenant;
        }

        int[] RandomTokens(int count) => [.. Enumerable.Range(0, count).Select(_ => rng.Next(1, 1000))];

        void Step()
        {
            var planner = Driver.Planner;
            bool idle = planner.IsIdle;
            var decoders = planner.Running.Where(s => !s.IsPrefilling).ToList();
            var prefilling = planner.Running.Where(s => s.IsPrefilling).ToList();
            NoteWaitingTenants();

            var plan = Driver.Step();

            Assert.True(idle || plan.Batch.Count > 0 || plan.Ended.Count > 0, "a step with work to do did nothing");
            Assert.InRange(plan.Batch.Sum(c => c.Tokens.Length), 0, Limits.StepTokenBudget);
            Assert.InRange(planner.Running.Count, 0, Limits.MaxActiveSequences);
            Assert.Equal(plan.Batch.Count, plan.Batch.Select(c => c.Sequence).Distinct().Count());
            Assert.All(plan.Batch, c => Assert.InRange(c.Tokens.Length, 1, Limits.PrefillChunk));
            // decoding never waits behind a prefill: decoders get their blocks and budget first, and each runs unless it left or was preempted
            int lastDecode = plan.Batch.ToList().FindLastIndex(c => decoders.Contains(c.Sequence) && !plan.Preempted.Any(p => p.Sequence == c.Sequence));
            int firstPrefill = plan.Batch.ToList().FindIndex(c => prefilling.Contains(c.Sequence));
            Assert.True(firstPrefill < 0 || lastDecode < firstPrefill, "a prefill piece was planned before a decoder");
            foreach (var s in decoders)
                Assert.True(plan.Batch.Any(c => c.Sequence == s) || plan.Ended.Any(e => e.Sequence == s) || plan.Preempted.Any(p => p.Sequence == s),
                    "a decoding sequence got no token this step");
            foreach (var c in _cancels.Where(c => c.Cancel.IsCancellationRequested))
                Assert.DoesNotContain(c.Sequence, plan.Batch.Select(b => b.Sequence));
            CheckRoundRobin(plan);
        }

        /// <summary>Tenants with never-admitted work waiting now start (or keep) a record of who is admitted meanwhile.</summary>
        void NoteWaitingTenants()
        {
            _newWaiting = Driver.Planner.Waiting.Where(s => !_admitted.Contains(s) && !s.Cancellation.IsCancellationRequested)
                .GroupBy(s => s.Tenant).ToDictionary(g => g.Key, g => g.Count());
            foreach (var tenant in _admittedWhileWaiting.Keys.Where(t => !_newWaiting.ContainsKey(t)).ToList()) _admittedWhileWaiting.Remove(tenant);
            foreach (var tenant in _newWaiting.Keys) _admittedWhileWaiting.TryAdd(tenant, []);
        }

        /// <summary>No tenant gets a second new sequence admitted while another, with work queued, got none in between.</summary>
        void CheckRoundRobin(StepPlan plan)
        {
            foreach (var s in plan.Admitted)
            {
                bool first = _admitted.Add(s);
                if (_admittedWhileWaiting.TryGetValue(s.Tenant, out var own)) own.Clear();
                if (!first) continue;   // a preempted sequence resuming
                // its tenant's last waiting one: the tenant waits no more, so who is admitted after it in this step does not count
                if (_newWaiting.TryGetValue(s.Tenant, out var n) && (_newWaiting[s.Tenant] = n - 1) == 0) _admittedWhileWaiting.Remove(s.Tenant);
                foreach (var (tenant, seen) in _admittedWhileWaiting)
                    if (tenant != s.Tenant) Assert.True(seen.Add(s.Tenant), $"{s.Tenant} was admitted twice while {tenant} waited");
            }
        }

        void RememberFinished()
        {
            foreach (var (s, end) in Driver.Ends)
                if (end.Reason == EndReason.Completed && _followedUp.Add(s)) _between.Add(((FakeCache)s.Cache, [.. s.History]));
        }

        /// <summary>Every sequence ended once, with the tokens and reason its script and the context allow.</summary>
        public void AssertEveryOutcome()
        {
            Assert.Equal(_scripts.Count, Driver.Ends.Count);
            foreach (var (s, script) in _scripts)
            {
                var end = Driver.Ends[s];
                var tokens = Driver.Tokens(s);
                bool cancelled = _cancels.Any(c => c.Sequence == s && c.Cancel.IsCancellationRequested);
                if (end.Reason == EndReason.Cancelled)
                {
                    Assert.True(cancelled, "ended cancelled without a cancellation");
                    Assert.Equal(script.Reply[..tokens.Count], tokens);
                    continue;
                }
                int fit = Math.Clamp(Context - script.Prompt + 1, 0, script.Reply.Length);   // tokens sampled within the context
                if (fit < script.Reply.Length)
                {
                    Assert.Equal(EndReason.ContextOverflow, end.Reason);
                    Assert.Equal(Context, end.Limit);
                    Assert.InRange(end.Needed, Context + 1, Math.Max(script.Prompt, Context + 1));   // a prompt piece or the next token
                    Assert.Equal(script.Reply[..fit], tokens);
                    continue;
                }
                Assert.Equal(EndReason.Completed, end.Reason);
                Assert.Equal(script.Reply, tokens);
                Assert.Equal(script.Stops ? FinishReason.StopToken : FinishReason.Length, Driver.LastFinish(s));
            }
        }
    }
}
