namespace SmolLM3.Engine.Chat;

/// <summary>
/// A rendered and tokenized prompt. <see cref="OpensReasoning"/> is set when the text ends inside an
/// unclosed <c>&lt;think&gt;</c>, so the reply starts with reasoning (see <see cref="ReasoningSplitter"/>).
/// </summary>
public sealed record ChatPrompt(string Text, int[] Tokens, bool OpensReasoning)
{
    /// <summary>Whether <paramref name="text"/> leaves a <c>&lt;think&gt;</c> open at its end.</summary>
    public static bool EndsInsideReasoning(string text)
    {
        var open = text.LastIndexOf(ReasoningSplitter.OpenTag, StringComparison.Ordinal);
        return open >= 0 && text.IndexOf(ReasoningSplitter.CloseTag, open, StringComparison.Ordinal) < 0;
    }
}
