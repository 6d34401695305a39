using SmolLM3.Engine.Kernels;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>The element-wise work of a fused step covers every row exactly once, in ranges, inline below the hand-off's worth.</summary>
public class CpuRowSplitTests
{
    [Theory]
    [InlineData(1, 2, 1)]
    [InlineData(3, 2, 1)]   // under CpuRowSplit.MinRows: inline
    [InlineData(4, 2, 2)]
    [InlineData(5, 2, 2)]
    [InlineData(16, 2, 2)]
    [InlineData(17, 3, 3)]
    [InlineData(32, 8, 8)]
    [InlineData(6, 8, 3)]   // two rows a range at least
    [InlineData(16, 1, 1)]
    public void EveryRowOnceInRanges(int t, int threads, int ranges)
    {
        var seen = new int[t];
        int calls = 0;
        CpuRowSplit.Run(t, threads, (r0, r1) =>
        {
            Assert.True(r0 < r1, $"an empty range {r0}..{r1}");
            Interlocked.Increment(ref calls);
            for (int r = r0; r < r1; r++) Interlocked.Increment(ref seen[r]);
        });
        Assert.All(seen, c => Assert.Equal(1, c));
        Assert.Equal(ranges, calls);
    }
}
