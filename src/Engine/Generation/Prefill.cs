using SmolLM3.Engine.Model;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Generation;

/// <summary>Feeds a long prompt in chunks so attention never needs a full prompt × prompt matrix.</summary>
public static class Prefill
{
    /// <summary>Prompt tokens one forward pass feeds when the caller does not say.</summary>
    public const int DefaultChunk = 256;

    /// <summary>
    /// Feeds <paramref name="tokens"/> into <paramref name="cache"/>; returns the logits of the last position, (1, vocab).
    /// A prompt longer than the room left in the context is refused before any of it is fed.
    /// </summary>
    public static Tensor Run(ILanguageModel model, KvCache cache, int[] tokens, int chunkSize = DefaultChunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (tokens.Length == 0) throw new ArgumentException("the prompt has no tokens", nameof(tokens));
        cache.RequireRoom(tokens.Length);
        for (int start = 0; ; start += chunkSize)
        {
            int len = Math.Min(chunkSize, tokens.Length - start);
            bool last = start + len == tokens.Length;
            var logits = model.Forward([new SequenceChunk(cache, tokens[start..(start + len)], last ? 1 : 0)]);
            if (last) return logits;
            logits.Dispose();
        }
    }
}
