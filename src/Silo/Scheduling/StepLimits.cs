namespace SmolLM3.Silo.Scheduling;

/// <summary>
/// What one step may hold: <paramref name="StepTokenBudget"/> tokens in all (decoding sequences always get their
/// one token each, so only more decoders than that exceed it), at most <paramref name="PrefillChunk"/> prompt
/// tokens per sequence, and at most <paramref name="MaxActiveSequences"/> sequences running at once.
/// </summary>
public sealed record StepLimits(int StepTokenBudget, int PrefillChunk, int MaxActiveSequences)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first limit below 1 (a step could never admit anyone).</summary>
    public StepLimits Validate()
    {
        Check(StepTokenBudget, nameof(StepTokenBudget));
        Check(PrefillChunk, nameof(PrefillChunk));
        Check(MaxActiveSequences, nameof(MaxActiveSequences));
        return this;
    }

    static void Check(int value, string name)
    {
        if (value < 1) throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1; got {value}");
    }
}
