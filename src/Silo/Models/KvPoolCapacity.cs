using SmolLM3.Contracts.Errors;
using SmolLM3.Silo.Placement;

namespace SmolLM3.Silo.Models;

/// <summary>The model's KV pool as placement sees it, and the one check that a sequence could ever fit in it.</summary>
public sealed class KvPoolCapacity(ModelHost host) : IKvCapacity
{
    public int TotalTokens => host.KvPool.TotalTokens;

    public int AvailableTokens
    {
        get
        {
            var s = host.KvPool.Stats;
            return (s.FreeBlocks + s.IdleBlocks) * s.BlockTokens;
        }
    }

    /// <summary>Throws <see cref="KvCapacityExceededException"/> when <paramref name="tokens"/> positions are more than the whole pool.</summary>
    public void EnsureFits(int tokens)
    {
        if (NeverFits(tokens) is { } e) throw e;
    }

    /// <summary>The error for a sequence of <paramref name="tokens"/> positions if the whole pool is smaller, else null.</summary>
    public KvCapacityExceededException? NeverFits(int tokens)
    {
        var pool = host.KvPool;
        return tokens > pool.TotalTokens ? new KvCapacityExceededException(tokens, pool.TotalTokens, tokens * pool.BytesPerToken, pool.TotalBytes) : null;
    }
}
