using SmolLM3.Engine.Kernels.Quantized;

namespace SmolLM3.Engine.Tests.Kernels.Quantized;

/// <summary>Where a four-row pass asks for lines: the next pass's rows when they are near, a fixed distance when not.</summary>
public class PrefetchTests
{
    [Theory]
    [InlineData(1152, 4 * 1152)]   // SmolLM3-3B's Q4_K rows of 2048: the same place four rows on
    [InlineData(1680, 4 * 1680)]   // its Q6_K rows
    [InlineData(2048, 8192)]       // four rows exactly at the limit
    [InlineData(2049, Prefetch.Distance)]
    [InlineData(9030, Prefetch.Distance)]   // Q6_K rows of 11008 (the down projection): the next pass is too far
    public void Short_rows_prefetch_the_next_pass_and_long_rows_a_fixed_distance(long stride, long expected) =>
        Assert.Equal(expected, Prefetch.Ahead(stride));
}
