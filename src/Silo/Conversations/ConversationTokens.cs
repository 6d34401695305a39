using SmolLM3.Engine.Text;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// The token sequence a conversation's cache was built from, and the rendered text it encodes. A new
/// turn whose prompt text extends that text only tokenizes the new suffix, so earlier tokens (including
/// the model's own reply tokens, which re-tokenizing text might not reproduce) are reused as they are.
/// </summary>
sealed class ConversationTokens
{
    readonly List<int> _ids = [];
    string? _text = "";

    public IReadOnlyList<int> Ids => _ids;

    /// <summary>The prompt tokens for <paramref name="prompt"/> and how many of them are carried over from before.</summary>
    public (int[] Tokens, int Reused) Extend(TextTokenizer tokenizer, string prompt)
    {
        if (_text is not null && prompt.StartsWith(_text, StringComparison.Ordinal))
            return ([.. _ids, .. tokenizer.Encode(prompt[_text.Length..], parseSpecial: true)], _ids.Count);
        // The transcript changed under us (a cancelled turn, an edited history): reuse the common prefix.
        var fresh = tokenizer.Encode(prompt, parseSpecial: true).ToArray();
        int same = 0;
        while (same < fresh.Length && same < _ids.Count && fresh[same] == _ids[same]) same++;
        return (fresh, same);
    }

    /// <summary>Records a completed turn: its prompt and reply tokens, and the text they render as.</summary>
    public void Commit(int[] prompt, string promptText, IReadOnlyList<int> reply, string replyText)
    {
        Reset(prompt);
        _ids.AddRange(reply);
        _text = promptText + replyText;
    }

    /// <summary>Keeps only tokens known to be in the cache; the text is unknown until the next commit.</summary>
    public void Reset(IEnumerable<int> ids)
    {
        _ids.Clear();
        _ids.AddRange(ids);
        _text = null;
    }
}
