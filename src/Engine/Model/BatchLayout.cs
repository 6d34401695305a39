namespace SmolLM3.Engine.Model;

/// <summary>Where each sequence's tokens sit in a ragged batch of T concatenated tokens.</summary>
public sealed class BatchLayout
{
    public required int[] Offsets { get; init; }
    public required int[] Lengths { get; init; }
    public required KvCache[] Caches { get; init; }
    public int Count => Offsets.Length;
}

/// <summary>
/// One sequence's part of a forward pass: its cache, the new tokens to feed, and how many of the
/// last positions need logits (1 for generation, more for scoring a continuation).
/// </summary>
public sealed record SequenceChunk(KvCache Cache, int[] Tokens, int LogitsCount = 1);
