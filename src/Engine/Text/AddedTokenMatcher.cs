namespace SmolLM3.Engine.Text;

/// <summary>
/// Cuts text into plain stretches and added tokens, taking the leftmost and then longest match
/// (the order Hugging Face's added-vocabulary matcher uses).
/// </summary>
public sealed class AddedTokenMatcher
{
    // Candidates by first char, longest first, so the first hit at a position is the longest one.
    readonly Dictionary<char, AddedToken[]> byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        byFirstChar = tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>Plain text stretches (Token null) and matched tokens, in order.</summary>
    public IEnumerable<(string? Text, AddedToken? Token)> Split(string text, bool includeSpecial)
    {
        var plainStart = 0;
        for (var i = 0; i < text.Length;)
        {
            var hit = MatchAt(text, i, includeSpecial);
            if (hit is null)
            {
                i++;
                continue;
            }
            if (i > plainStart) yield return (text[plainStart..i], null);
            yield return (null, hit);
            i += hit.Content.Length;
            plainStart = i;
        }
        if (plainStart < text.Length) yield return (text[plainStart..], null);
    }

    AddedToken? MatchAt(string text, int index, bool includeSpecial)
    {
        if (!byFirstChar.TryGetValue(text[index], out var candidates)) return null;
        foreach (var t in candidates)
        {
            if (t.Special && !includeSpecial) continue;
            if (index + t.Content.Length <= text.Length && string.CompareOrdinal(text, index, t.Content, 0, t.Content.Length) == 0)
                return t;
        }
        return null;
    }
}
