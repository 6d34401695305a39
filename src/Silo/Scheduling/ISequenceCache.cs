namespace SmolLM3.Silo.Scheduling;

/// <summary>One sequence's KV cache as the <see cref="StepPlanner"/> sees it: positions computed and blocks held.</summary>
public interface ISequenceCache
{
    /// <summary>Positions computed so far (the forward pass advances it).</summary>
    int Length { get; }

    /// <summary>Most positions the sequence may ever hold (the model's context).</summary>
    int MaxLength { get; }

    /// <summary>Blocks held now; a waiting sequence holding some can give them up to recompute later.</summary>
    int BlockCount { get; }

    /// <summary>Takes the blocks for <paramref name="extra"/> more positions; false, holding nothing more, when the pool has too few free.</summary>
    bool TryReserve(int extra);

    /// <summary>Forgets every position and gives its blocks back.</summary>
    void Clear();
}
