using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Model;
using SmolLM3.Engine.Text;

namespace SmolLM3.Engine.Chat;

/// <summary>
/// The token sequence a conversation's KV cache was built from, and the rendered text it encodes. A new
/// turn whose prompt text extends that text only tokenizes the new suffix, so earlier tokens (including
/// the model's own reply tokens, which re-tokenizing text might not reproduce) are reused as they are;
/// otherwise the longest common token prefix is. Shared by the CLI's chat and the cluster's conversations.
/// </summary>
public sealed class ConversationTokens
{
    readonly List<int> _ids = [];
    string? _text = "";

    public IReadOnlyList<int> Ids => _ids;

    /// <summary>The rendered text <see cref="Ids"/> encode; null when only the tokens are known.</summary>
    public string? Text => _text;

    /// <summary>Takes over what another holder recorded (<see cref="Ids"/> and <see cref="Text"/>), e.g. a conversation moved between processes.</summary>
    public void Restore(IEnumerable<int> ids, string? text)
    {
        Reset(ids);
        _text = text;
    }

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

    /// <summary>
    /// Truncates <paramref name="cache"/> to the prompt tokens it can keep: the reused ones it still holds (it may
    /// have lost some while idle), never the whole prompt, as feeding at least one token gives the logits.
    /// Returns the positions kept (a cut inside a shared block keeps fewer: <see cref="KvCache.Truncate"/>).
    /// </summary>
    public static int Keep(KvCache cache, int reused, int promptLength)
    {
        cache.Truncate(Math.Min(Math.Min(reused, cache.Length), promptLength - 1));
        return cache.Length;
    }

    /// <summary>
    /// Records a reply to <paramref name="prompt"/>. One that ended by a stop token or its length is known as text
    /// (<see cref="ChatTurn.Text"/> and the stop token), so the next prompt that renders it back extends it; any
    /// other (a stop string cut it, it was cancelled) leaves only the tokens the cache holds, <paramref name="cacheLength"/>.
    /// </summary>
    public void Record(int[] prompt, string promptText, IReadOnlyList<int> reply, ChatTurn turn, TextTokenizer tokenizer, int cacheLength)
    {
        Reset([.. prompt, .. reply]);
        if (turn.Finished is { Reason: FinishReason.StopToken or FinishReason.Length } finished)
            _text = promptText + turn.Text + (finished.Reason == FinishReason.StopToken ? tokenizer.Decode([reply[^1]]) : "");
        else
            _ids.RemoveRange(Math.Min(cacheLength, _ids.Count), _ids.Count - Math.Min(cacheLength, _ids.Count));
    }

    /// <summary>Keeps only tokens known to be in the cache; the text is unknown until the next recorded reply.</summary>
    public void Reset(IEnumerable<int> ids)
    {
        _ids.Clear();
        _ids.AddRange(ids);
        _text = null;
    }
}
