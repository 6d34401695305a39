namespace SmolLM3.Engine.Benchmarking;

/// <summary>Text of a given length in tokens, for benchmarks and tests that need long prompts: words made of a topic and a number.</summary>
public static class FillerText
{
    /// <summary>
    /// The fewest words <c>{topic}{i % 17}</c> whose prompt takes at least <paramref name="tokens"/> tokens, as
    /// <paramref name="promptTokens"/> counts a text (through the chat template, say). Counts grow with the words, so a
    /// doubling then a binary search find it in a few dozen counts.
    /// </summary>
    public static string ForTokens(string topic, int tokens, Func<string, int> promptTokens)
    {
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(i => $"{topic}{i % 17}"));
        int high = 1;
        while (promptTokens(Words(high)) < tokens) high *= 2;
        int low = high / 2;   // fewer than enough words (or none)
        while (high - low > 1)
        {
            int mid = (low + high) / 2;
            if (promptTokens(Words(mid)) < tokens) low = mid;
            else high = mid;
        }
        return Words(high);
    }
}
