using SmolLM3.Engine.Chat;

namespace SmolLM3.Engine.Tests.Chat;

/// <summary>Ways to cut a text into chunks, and a canonical form of event lists so differently-cut runs compare equal.</summary>
static class Chunking
{
    /// <summary>Whole; cut once at every position; one character at a time.</summary>
    public static IEnumerable<string[]> AllCuts(string text)
    {
        yield return [text];
        for (var i = 0; i <= text.Length; i++) yield return [text[..i], text[i..]];
        yield return [.. text.Select(c => c.ToString())];
    }

    /// <summary>Adjacent deltas of the same kind merged (where a stream is cut only changes how deltas are grouped).</summary>
    public static List<ChatEvent> Merge(IEnumerable<ChatEvent> events)
    {
        var merged = new List<ChatEvent>();
        foreach (var e in events)
        {
            merged.Add((merged.Count > 0 ? merged[^1] : null, e) switch
            {
                (AnswerDelta a, AnswerDelta b) => Pop(merged, new AnswerDelta(a.Text + b.Text)),
                (ReasoningDelta a, ReasoningDelta b) => Pop(merged, new ReasoningDelta(a.Text + b.Text)),
                _ => e,
            });
        }
        return merged;
    }

    static ChatEvent Pop(List<ChatEvent> list, ChatEvent replacement)
    {
        list.RemoveAt(list.Count - 1);
        return replacement;
    }
}
