using SmolLM3.Contracts.Errors;

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
        if (tokens > host.KvPool.TotalTokens) throw TooLarge(tokens);
    }

    /// <summary>The error saying <paramref name="tokens"/> positions are more than the whole pool, with both sizes in tokens and bytes.</summary>
    public KvCapacityExceededException TooLarge(int tokens)
    {
        var pool = host.KvPool;
        return new KvCapacityExceededException(tokens, pool.TotalTokens, tokens * pool.BytesPerToken, pool.TotalBytes);
    }
}
