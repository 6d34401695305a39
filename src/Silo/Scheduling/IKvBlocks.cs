namespace SmolLM3.Silo.Scheduling;

/// <summary>The shared KV pool as the <see cref="StepPlanner"/> sees it: its size, and room to be had from idle conversations.</summary>
public interface IKvBlocks
{
    /// <summary>Positions the whole pool holds; a sequence needing more can never run.</summary>
    int TotalTokens { get; }

    /// <summary>Empties the least recently used idle conversation's cache; false when none holds blocks.</summary>
    bool EvictIdle();
}
