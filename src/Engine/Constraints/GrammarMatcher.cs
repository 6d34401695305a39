namespace SmolLM3.Engine.Constraints;

/// <summary>
/// One sequence's place in its <see cref="TokenConstraint"/>: masks the logits of tokens the grammar does not allow
/// next and advances with each sampled token. Its state depends only on the tokens sampled, never on the cache, so
/// a preempted sequence that recomputes its cache keeps its matcher as it is. Not thread-safe: one per sequence.
/// </summary>
public sealed class GrammarMatcher
{
    readonly TokenConstraint _constraint;
    readonly List<byte> _bytes = [];
    GrammarState _state;

    internal GrammarMatcher(TokenConstraint constraint)
    {
        _constraint = constraint;
        var start = new List<GrammarStack>();
        constraint.Grammar.Expand(GrammarStack.Empty, start);
        _state = new GrammarState(Dedupe(start));
    }

    /// <summary>The bytes read so far form a whole value (a stop token is allowed).</summary>
    public bool IsComplete => _state.IsComplete;

    /// <summary>A stop token was accepted: nothing more may follow.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>Whether <paramref name="token"/> may come next.</summary>
    public bool Allows(int token) =>
        !IsFinished && (uint)token < (uint)_constraint.Vocabulary.Size && (Mask()[token >> 6] & (1UL << (token & 63))) != 0;

    /// <summary>Sets every token the grammar does not allow next to −∞ in <paramref name="logits"/> (one row; ids past the vocabulary too).</summary>
    public void Apply(Span<float> logits)
    {
        if (IsFinished) throw new InvalidOperationException("the constrained reply already ended");
        var mask = Mask();
        for (int id = 0; id < logits.Length; id++)
            if (id >= _constraint.Vocabulary.Size || (mask[id >> 6] & (1UL << (id & 63))) == 0) logits[id] = float.NegativeInfinity;
    }

    /// <summary>Moves past <paramref name="token"/>; throws <see cref="InvalidOperationException"/> if the grammar does not allow it.</summary>
    public void Accept(int token)
    {
        if (!Allows(token)) throw new InvalidOperationException($"token {token} is not allowed by the reply's grammar here");
        if (_constraint.StopTokenIds.Contains(token))
        {
            IsFinished = true;
            return;
        }
        _bytes.Clear();
        _constraint.Vocabulary.AppendBytes(token, _bytes);
        var states = (IReadOnlyList<GrammarStack>)_state.Stacks;
        foreach (var b in _bytes)
        {
            var after = new List<GrammarStack>();
            Advance(states, b, after);
            states = after;
        }
        _state = new GrammarState(states);
    }

    ulong[] Mask() => _constraint.MaskFor(_state);

    /// <summary>Replaces <paramref name="output"/> with the distinct stacks <paramref name="states"/> lead to by reading <paramref name="b"/>.</summary>
    internal static void Advance(IReadOnlyList<GrammarStack> states, byte b, List<GrammarStack> output)
    {
        output.Clear();
        for (int i = 0; i < states.Count; i++)
            if (states[i].Top is { } top) top.Consume(b, states[i], output);
        if (output.Count > 1) Dedupe(output);
    }

    static List<GrammarStack> Dedupe(List<GrammarStack> stacks)
    {
        for (int i = stacks.Count - 1; i > 0; i--)
            for (int j = 0; j < i; j++)
                if (stacks[i].Equals(stacks[j]))
                {
                    stacks.RemoveAt(i);
                    break;
                }
        return stacks;
    }
}
