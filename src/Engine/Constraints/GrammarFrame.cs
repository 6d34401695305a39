using System.Runtime.CompilerServices;

namespace SmolLM3.Engine.Constraints;

/// <summary>
/// A piece of a compiled grammar and, once on a <see cref="GrammarStack"/>, its position. A frame in its start
/// position is the grammar element itself, so the compiled grammar is a graph of frames. Records: two frames at the
/// same position are equal (child frames and byte arrays compare by reference, as they are shared).
/// </summary>
public abstract record GrammarFrame
{
    /// <summary>
    /// Enters this frame above <paramref name="rest"/> and adds every stack reachable without reading a byte whose top
    /// reads one next (or the empty stack, when all is done).
    /// </summary>
    internal abstract void Expand(GrammarStack rest, List<GrammarStack> output);

    /// <summary>Reads <paramref name="b"/> with this frame on top of <paramref name="self"/>; adds the stacks it leads to (none: rejected).</summary>
    internal virtual void Consume(byte b, GrammarStack self, List<GrammarStack> output) =>
        throw new InvalidOperationException($"{GetType().Name} never sits on top of a stack");

    /// <summary>This frame waiting to read, above <paramref name="rest"/>.</summary>
    private protected void Wait(GrammarStack rest, List<GrammarStack> output) => output.Add(new GrammarStack(this, rest));
}

/// <summary>Exact bytes (JSON punctuation, keys, enum values, markup).</summary>
public sealed record LiteralFrame(byte[] Bytes, int Position = 0) : GrammarFrame
{
    public LiteralFrame(string text) : this(System.Text.Encoding.UTF8.GetBytes(text)) { }

    internal override void Expand(GrammarStack rest, List<GrammarStack> output)
    {
        if (Position == Bytes.Length) rest.Continue(output);
        else Wait(rest, output);
    }

    internal override void Consume(byte b, GrammarStack self, List<GrammarStack> output)
    {
        if (Bytes[Position] == b) (this with { Position = Position + 1 }).Expand(self.Rest!, output);
    }
}

/// <summary>One byte out of a set (a digit, a hex digit, a sign).</summary>
public sealed record ByteClassFrame(ByteSet Allowed) : GrammarFrame
{
    internal override void Expand(GrammarStack rest, List<GrammarStack> output) => Wait(rest, output);

    internal override void Consume(byte b, GrammarStack self, List<GrammarStack> output)
    {
        if (Allowed.Contains(b)) self.Rest!.Continue(output);
    }
}

/// <summary>Its items one after the other; <see cref="Index"/> is the next one to enter.</summary>
public sealed record SequenceFrame(GrammarFrame[] Items, int Index = 0) : GrammarFrame
{
    internal override void Expand(GrammarStack rest, List<GrammarStack> output)
    {
        if (Index == Items.Length) rest.Continue(output);
        else if (Index == Items.Length - 1) Items[Index].Expand(rest, output);   // last item: nothing to come back to
        else Items[Index].Expand(new GrammarStack(this with { Index = Index + 1 }, rest), output);
    }
}

/// <summary>Any one of its options (anyOf, enum, a type list); every option is followed until the bytes rule it out.</summary>
public sealed record ChoiceFrame(GrammarFrame[] Options) : GrammarFrame
{
    internal override void Expand(GrammarStack rest, List<GrammarStack> output)
    {
        foreach (var option in Options) option.Expand(rest, output);
    }
}

/// <summary><see cref="Item"/> between <see cref="Min"/> and <see cref="Max"/> times, <see cref="Separator"/> between (array items, digits).</summary>
public sealed record RepeatFrame : GrammarFrame
{
    public RepeatFrame(GrammarFrame item, GrammarFrame? separator, int min, int max)
    {
        if (min < 0 || max < min) throw new ArgumentOutOfRangeException(nameof(max), $"a repetition needs 0 ≤ min ≤ max; got {min}..{max}");
        (Item, Min, Max) = (item, min, max);
        Later = separator is null ? item : new SequenceFrame([separator, item]);
    }

    public GrammarFrame Item { get; }
    /// <summary>What every item after the first takes: the separator, then the item.</summary>
    public GrammarFrame Later { get; }
    public int Min { get; }
    public int Max { get; }
    public int Count { get; init; }

    internal override void Expand(GrammarStack rest, List<GrammarStack> output)
    {
        if (Count >= Min) rest.Continue(output);
        // Unbounded: past Min (and the first item, which has no separator) every count has the same future, so one frame.
        int next = Max == int.MaxValue ? Math.Min(Count + 1, Math.Max(Min, 1)) : Count + 1;
        if (Count < Max) (Count == 0 ? Item : Later).Expand(new GrammarStack(this with { Count = next }, rest), output);
    }
}

/// <summary>
/// A frame filled in after it is created, for grammars that contain themselves (any JSON value holds values).
/// Compares by reference, so equality never recurses through the cycle.
/// </summary>
public sealed record DeferredFrame : GrammarFrame
{
    public GrammarFrame? Target { get; set; }

    internal override void Expand(GrammarStack rest, List<GrammarStack> output) =>
        (Target ?? throw new InvalidOperationException("a deferred grammar frame was never filled in")).Expand(rest, output);

    public bool Equals(DeferredFrame? other) => ReferenceEquals(this, other);
    public override int GetHashCode() => RuntimeHelpers.GetHashCode(this);
}
