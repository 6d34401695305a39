using System.Text;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// Splits streamed reply text into reasoning (between <c>&lt;think&gt;</c> and <c>&lt;/think&gt;</c>) and answer.
/// Tags are not emitted; a tail that might be the start of a tag is held back until the next chunk
/// decides it, so the result does not depend on where the text was cut into chunks.
/// </summary>
public sealed class ReasoningSplitter(bool startInReasoning = false)
{
    public const string OpenTag = "<think>", CloseTag = "</think>";

    readonly StringBuilder pending = new();

    /// <summary>Whether text fed now would count as reasoning.</summary>
    public bool InReasoning { get; private set; } = startInReasoning;

    /// <summary>Feeds a chunk; returns the deltas it settles (no empty ones).</summary>
    public IReadOnlyList<ChatEvent> Push(string chunk)
    {
        pending.Append(chunk);
        var output = new List<ChatEvent>();
        while (true)
        {
            var text = pending.ToString();
            var tag = InReasoning ? CloseTag : OpenTag;
            var at = text.IndexOf(tag, StringComparison.Ordinal);
            if (at < 0)
            {
                var ready = text.Length - PartialMatch.HeldBack(text, tag);
                Emit(output, text[..ready]);
                pending.Remove(0, ready);
                return output;
            }
            Emit(output, text[..at]);
            pending.Remove(0, at + tag.Length);
            InReasoning = !InReasoning;
        }
    }

    /// <summary>Releases a held-back tail (a partial tag that never completed is plain text).</summary>
    public IReadOnlyList<ChatEvent> Flush()
    {
        var output = new List<ChatEvent>();
        Emit(output, pending.ToString());
        pending.Clear();
        return output;
    }

    void Emit(List<ChatEvent> output, string text)
    {
        if (text.Length > 0) output.Add(InReasoning ? new ReasoningDelta(text) : new AnswerDelta(text));
    }
}
