namespace SmolLM3.Engine.Chat;

/// <summary>How much of a stream's tail must be held back because a marker may be starting there.</summary>
static class PartialMatch
{
    /// <summary>Length of the longest suffix of <paramref name="text"/> that is a proper prefix of <paramref name="marker"/>.</summary>
    public static int HeldBack(ReadOnlySpan<char> text, string marker)
    {
        for (var k = Math.Min(text.Length, marker.Length - 1); k > 0; k--)
            if (text[^k..].SequenceEqual(marker.AsSpan(0, k))) return k;
        return 0;
    }
}
