namespace SmolLM3.Engine.Constraints;

/// <summary>Every path the bytes so far leave open (several when anyOf options or optional parts still agree); compares by content.</summary>
public sealed class GrammarState : IEquatable<GrammarState>
{
    readonly int _hash;

    public GrammarState(IReadOnlyList<GrammarStack> stacks)
    {
        Stacks = [.. stacks];
        var hash = new HashCode();
        foreach (var s in Stacks) hash.Add(s);
        _hash = hash.ToHashCode();
    }

    public GrammarStack[] Stacks { get; }

    /// <summary>No path is left: the bytes are not in the language.</summary>
    public bool IsDead => Stacks.Length == 0;

    /// <summary>Some path has read a whole value: the reply may end here.</summary>
    public bool IsComplete => Stacks.Any(s => s.IsEmpty);

    public bool Equals(GrammarState? other) => other is not null && other._hash == _hash && Stacks.AsSpan().SequenceEqual(other.Stacks);
    public override bool Equals(object? obj) => obj is GrammarState s && Equals(s);
    public override int GetHashCode() => _hash;
}
