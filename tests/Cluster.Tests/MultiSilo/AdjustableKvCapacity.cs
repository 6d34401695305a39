using SmolLM3.Silo.Models;

namespace SmolLM3.Cluster.Tests.MultiSilo;

/// <summary>Test double for the KV pool's figures: a silo's free capacity is whatever the test sets.</summary>
public sealed class AdjustableKvCapacity : IKvCapacity
{
    public int TotalTokens { get; set; } = 10_000;
    public int AvailableTokens { get; set; } = 10_000;
}
