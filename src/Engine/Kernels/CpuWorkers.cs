using System.Diagnostics;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Runs the parts of one kernel call on dedicated threads that spin for a moment between calls, as llama.cpp's
/// thread pool does: a decode step makes ~150 short parallel calls (every matmul and attention of every layer), and
/// waking thread-pool workers for each cost more than some of the calls themselves. Workers stop spinning and sleep
/// after <see cref="SpinTime"/> without work, so an idle process burns no CPU. One call runs at a time; a call made
/// while another runs (another model on another thread) takes <see cref="Parallel.For(int, int, Action{int})"/> instead.
/// </summary>
public static class CpuWorkers
{
    /// <summary>How long an idle worker spins before sleeping: longer than the gaps inside a decode step, far shorter than between steps of a stalled stream.</summary>
    static readonly long SpinTime = Stopwatch.Frequency / 10000;   // 0.1 ms: a silo's own Orleans and gRPC threads share the cores

    static readonly Lock Busy = new();
    static Group? _group;

    /// <summary>Calls <paramref name="part"/>(0 … <paramref name="parts"/> − 1), part 0 on the calling thread, and returns when all are done; the first exception is rethrown.</summary>
    public static void Run(int parts, Action<int> part)
    {
        if (parts <= 1)
        {
            for (int p = 0; p < parts; p++) part(p);
            return;
        }
        if (!Busy.TryEnter())
        {
            try { Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part); }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                // as the workers do: the first part's exception itself
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
            return;
        }
        try
        {
            if (_group is null || _group.Workers < parts - 1) _group = new Group(parts - 1, _group);
            _group.Run(parts, part);
        }
        finally
        {
            Busy.Exit();
        }
    }

    /// <summary>
    /// Background threads waiting for a generation number to move; each runs part index + 1 of a call. Each has its own
    /// wake-up signal: with one shared semaphore a worker going back to sleep could take the permit meant for another.
    /// </summary>
    sealed class Group
    {
        readonly SemaphoreSlim[] _wake;
        readonly int[] _asleep;
        Action<int>? _job;
        int _parts, _generation, _pending;
        Exception? _error;

        public int Workers { get; }

        /// <param name="previous">A smaller group this one replaces; its threads are told to exit.</param>
        public Group(int workers, Group? previous)
        {
            previous?.Retire();
            Workers = workers;
            _wake = [.. Enumerable.Range(0, workers).Select(_ => new SemaphoreSlim(0))];
            _asleep = new int[workers];
            for (int i = 0; i < workers; i++)
            {
                int index = i;
                new Thread(() => Loop(index)) { IsBackground = true, Name = $"smollm3-cpu-{index + 1}" }.Start();
            }
        }

        public void Run(int parts, Action<int> part)
        {
            (_job, _parts, _error) = (part, parts, null);
            Volatile.Write(ref _pending, Workers);
            Interlocked.Increment(ref _generation);
            WakeSleepers();
            try { part(0); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            var spin = new SpinWait();
            while (Volatile.Read(ref _pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
            _job = null;
            if (_error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }

        void Retire()
        {
            Volatile.Write(ref _parts, -1);
            Interlocked.Increment(ref _generation);
            WakeSleepers();
        }

        void WakeSleepers()
        {
            for (int i = 0; i < Workers; i++)
                if (Volatile.Read(ref _asleep[i]) != 0) _wake[i].Release();
        }

        void Loop(int index)
        {
            // generation 0 is the group's start: a thread that starts late must still take the first call
            int seen = 0;
            while (true)
            {
                long idleUntil = Stopwatch.GetTimestamp() + SpinTime;
                var spin = new SpinWait();
                while (Volatile.Read(ref _generation) == seen)
                {
                    if (Stopwatch.GetTimestamp() < idleUntil)
                    {
                        // yields now and then, so a busy machine's other threads (or this call's other parts) still run
                        spin.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }
                    // the caller reads our flag after moving the generation, so either it sees us asleep or we see the new
                    // generation; a permit left over from a call we took awake only makes one extra turn of this loop
                    Interlocked.Exchange(ref _asleep[index], 1);
                    if (Volatile.Read(ref _generation) == seen) _wake[index].Wait();
                    Interlocked.Exchange(ref _asleep[index], 0);
                    idleUntil = Stopwatch.GetTimestamp() + SpinTime;
                }
                seen = Volatile.Read(ref _generation);
                int parts = Volatile.Read(ref _parts);
                if (parts < 0) return;
                try
                {
                    if (index + 1 < parts) _job!(index + 1);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }
                Interlocked.Decrement(ref _pending);
            }
        }
    }
}
