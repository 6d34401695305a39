using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The spinning worker threads run every part of every call exactly once, wake after sleeping, and pass exceptions on.</summary>
public class CpuWorkersTests
{
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);   // a lost wake-up would hang: fail instead

    static async Task<bool> Finishes(Task run) => await Task.WhenAny(run, Task.Delay(Bound)) == run;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task EveryPartRunsOncePerCall(int parts)
    {
        var counts = new int[parts];
        var run = Task.Run(() =>
        {
            for (int call = 0; call < 300; call++) CpuWorkers.Run(parts, p => Interlocked.Increment(ref counts[p]));
        });
        Assert.True(await Finishes(run), $"calls did not finish: parts ran {string.Join(", ", counts)} times");
        Assert.All(counts, c => Assert.Equal(300, c));
    }

    [Fact]
    public async Task WorkersThatFellAsleepWakeForTheNextCall()
    {
        var counts = new int[2];
        var run = Task.Run(() =>
        {
            for (int call = 0; call < 5; call++)
            {
                CpuWorkers.Run(2, p => Interlocked.Increment(ref counts[p]));
                Thread.Sleep(20);   // far past the spin time: the worker sleeps before the next call
            }
        });
        Assert.True(await Finishes(run), "a call after an idle gap did not finish");
        Assert.Equal([5, 5], counts);
    }

    [Fact]
    public async Task ConcurrentCallersEachGetAllTheirParts()
    {
        var totals = new long[4];
        var callers = Enumerable.Range(0, 4).Select(c => Task.Run(() =>
        {
            for (int call = 0; call < 300; call++) CpuWorkers.Run(3, p => Interlocked.Add(ref totals[c], p + 1));
        })).ToArray();
        Assert.True(await Finishes(Task.WhenAll(callers)), "concurrent calls did not finish");
        Assert.All(totals, t => Assert.Equal(300L * (1 + 2 + 3), t));
    }

    [Fact]
    public void AnExceptionInAWorkerPartReachesTheCaller()
    {
        var error = Assert.Throws<InvalidOperationException>(() => CpuWorkers.Run(2, p =>
        {
            if (p == 1) throw new InvalidOperationException("part 1 failed");
        }));
        Assert.Equal("part 1 failed", error.Message);
        // and the workers still serve the next call
        var counts = new int[2];
        CpuWorkers.Run(2, p => Interlocked.Increment(ref counts[p]));
        Assert.Equal([1, 1], counts);
    }
}
