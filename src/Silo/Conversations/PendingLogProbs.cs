using System.Text;
using SmolLM3.Contracts.Conversations;
using SmolLM3.Engine.Generation;
using SmolLM3.Engine.Sampling;
using SmolLM3.Engine.Text;
using SmolLM3.Silo.Scheduling;

namespace SmolLM3.Silo.Conversations;

/// <summary>
/// The log-probabilities of a turn's tokens until a Delta chunk carries them: each Delta takes those of every token
/// since the one before (text can wait a few tokens, e.g. inside a tool call or a possible stop string), and the
/// rest go on a last empty Delta. A stop token is not reported, as it is not part of the reply.
/// </summary>
sealed class PendingLogProbs(TextTokenizer tokenizer)
{
    readonly List<TurnLogProb> _pending = [];

    public void Add(SequenceToken token)
    {
        if (token.LogProbs is { } p && token.Finish != FinishReason.StopToken)
            _pending.Add(Describe(p.Token, [.. p.Top.Select(t => Describe(t, []))]));
    }

    /// <summary><paramref name="chunk"/>, carrying the pending log-probabilities when it is a Delta.</summary>
    public ChatChunk Attach(ChatChunk chunk) => chunk.Kind == ChatChunkKind.Delta && _pending.Count > 0 ? chunk with { LogProbs = Take() } : chunk;

    /// <summary>An empty Delta with what no Delta carried, or null.</summary>
    public ChatChunk? Rest() => _pending.Count > 0 ? ChatChunk.Delta("", reasoning: false, Take()) : null;

    TurnLogProb[] Take()
    {
        var taken = _pending.ToArray();
        _pending.Clear();
        return taken;
    }

    TurnLogProb Describe(TokenLogProb t, TurnLogProb[] top)
    {
        var bytes = new List<byte>();
        tokenizer.AppendBytes(t.TokenId, bytes);
        return new TurnLogProb(t.TokenId, Encoding.UTF8.GetString([.. bytes]), [.. bytes], t.LogProb, top);
    }
}
