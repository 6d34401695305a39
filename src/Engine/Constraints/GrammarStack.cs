namespace SmolLM3.Engine.Constraints;

/// <summary>
/// One path through the grammar: an immutable stack of frames, the top one next to read a byte, the ones below it
/// what follows once it is done. Shared tails make copies free; equality is structural (for merging paths and
/// caching masks), with the hash computed once.
/// </summary>
public sealed class GrammarStack : IEquatable<GrammarStack>
{
    readonly int _hash;

    /// <summary>Nothing left to read: the value is complete.</summary>
    public static readonly GrammarStack Empty = new();

    GrammarStack() { }

    public GrammarStack(GrammarFrame top, GrammarStack rest)
    {
        (Top, Rest) = (top, rest);
        _hash = HashCode.Combine(top, rest._hash);
        Depth = rest.Depth + 1;
    }

    /// <summary>Where a plain ASCII character inside a string leads from here, once computed (see <see cref="StringCharsFrame"/>); not part of equality.</summary>
    internal GrammarStack? PlainCharSuccessor;

    public GrammarFrame? Top { get; }
    public GrammarStack? Rest { get; }
    public int Depth { get; }
    public bool IsEmpty => Top is null;

    /// <summary>Resumes whatever waits below a finished frame.</summary>
    internal void Continue(List<GrammarStack> output)
    {
        if (IsEmpty) output.Add(this);
        else Top!.Expand(Rest!, output);
    }

    public bool Equals(GrammarStack? other)
    {
        for (GrammarStack? a = this, b = other; ; a = a.Rest, b = b.Rest)
        {
            if (ReferenceEquals(a, b)) return true;
            if (a is null || b is null || a._hash != b._hash || a.Depth != b.Depth || !Equals(a.Top, b.Top)) return false;
        }
    }

    public override bool Equals(object? obj) => obj is GrammarStack s && Equals(s);
    public override int GetHashCode() => _hash;
}
