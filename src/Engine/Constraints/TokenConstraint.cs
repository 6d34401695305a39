namespace SmolLM3.Engine.Constraints;

/// <summary>
/// What a reply must be (a compiled grammar) over one tokenizer's vocabulary: a factory of per-sequence
/// <see cref="GrammarMatcher"/>s and the cache of masks they share, keyed by grammar state (a long string's
/// characters, an object's next key: the same states recur through a reply).
/// </summary>
public sealed class TokenConstraint
{
    /// <summary>Masks kept at most (each vocabulary/8 bytes: 16 KB for 128k tokens).</summary>
    const int CacheLimit = 1024;

    readonly Dictionary<GrammarState, ulong[]> _masks = [];
    readonly Lock _lock = new();

    /// <param name="stopTokenIds">Tokens that end the reply: allowed exactly when the value is complete.</param>
    public TokenConstraint(GrammarFrame grammar, TokenVocabulary vocabulary, IReadOnlySet<int> stopTokenIds)
    {
        if (!vocabulary.CoversEveryByte)
            throw new UnsupportedSchemaException("constrained output needs a tokenizer with a token for every byte; this one has none for some");
        if (stopTokenIds.Count == 0) throw new UnsupportedSchemaException("constrained output needs a stop token to end the reply with");
        (Grammar, Vocabulary, StopTokenIds) = (grammar, vocabulary, stopTokenIds);
    }

    public GrammarFrame Grammar { get; }
    public TokenVocabulary Vocabulary { get; }
    public IReadOnlySet<int> StopTokenIds { get; }

    /// <summary>A matcher at the start of a reply.</summary>
    public GrammarMatcher Start() => new(this);

    /// <summary>Allowed tokens in <paramref name="state"/>, one bit each (cached).</summary>
    internal ulong[] MaskFor(GrammarState state)
    {
        lock (_lock)
            if (_masks.TryGetValue(state, out var cached)) return cached;
        var mask = new ulong[(Vocabulary.Size + 63) / 64];
        Vocabulary.Allow(state.Stacks, mask);
        if (state.IsComplete)
            foreach (var stop in StopTokenIds)
                if (stop < Vocabulary.Size) mask[stop >> 6] |= 1UL << (stop & 63);
        lock (_lock)
        {
            if (_masks.Count >= CacheLimit) _masks.Clear();
            _masks[state] = mask;
        }
        return mask;
    }
}
