using SmolLM3.Engine.Sampling;

namespace SmolLM3.Engine.Tests.Sampling;

/// <summary>The greedy step's vector argmax ranks exactly as the heap selection does: ties to the lower index, NaN last.</summary>
public class TopSelectionTests
{
    static int ByHeap(float[] values)
    {
        var one = new int[1];
        TopSelection.Select(values, 1, one);
        return one[0];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(49152)]
    [InlineData(49155)]
    public void ArgMax_agrees_with_the_heap_on_rows_with_ties_infinities_and_NaN(int length)
    {
        var random = new Random(length);
        for (int trial = 0; trial < 200; trial++)
        {
            // few distinct values, so ties are common; some NaN, infinities and signed zeros
            var values = new float[length];
            for (int i = 0; i < length; i++)
                values[i] = random.Next(12) switch
                {
                    0 => float.NaN,
                    1 => float.NegativeInfinity,
                    2 => -0f,
                    3 => 0f,
                    _ => random.Next(-4, 4) * 0.5f,
                };
            if (trial % 7 == 0) values[random.Next(length)] = float.PositiveInfinity;
            if (trial % 11 == 0) Array.Fill(values, float.NaN);
            if (trial % 13 == 0) Array.Fill(values, float.NegativeInfinity);
            if (trial % 17 == 0) for (int i = 0; i < length; i++) values[i] = i % 2 == 0 ? float.NaN : float.NegativeInfinity;
            Assert.Equal(ByHeap(values), TopSelection.ArgMax(values));
        }
    }

    [Fact]
    public void ArgMax_takes_the_first_of_equal_maxima_and_skips_NaN()
    {
        Assert.Equal(3, TopSelection.ArgMax([1f, float.NaN, 2f, 5f, 5f, 0f, 5f, 1f, 1f, 5f]));
        Assert.Equal(9, TopSelection.ArgMax([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, float.NaN, 2f]));
        Assert.Equal(0, TopSelection.ArgMax([-0f, 0f, -0f]));   // -0 and +0 tie: the first one
        Assert.Throws<ArgumentException>(() => TopSelection.ArgMax([]));
    }
}
