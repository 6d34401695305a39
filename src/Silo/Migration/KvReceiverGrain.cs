using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Migration;

/// <summary>One per silo (its key is the silo's address): imports blocks into the local model's pool, each checked.</summary>
[SiloPinnedPlacement, Reentrant]
public sealed class KvReceiverGrain(ModelHost host, ILogger<KvReceiverGrain> logger) : Grain, IKvReceiverGrain
{
    public Task<int> AcceptAsync(UInt128 root, KvBlockTransfer[] blocks)
    {
        var pool = host.KvPool;
        if (!pool.SharesPrefixes || pool.AddressRoot != root)
        {
            logger.LogWarning("Refused {Blocks} KV blocks from another silo: {Why}", blocks.Length,
                pool.SharesPrefixes ? "they are for another model, KV type or block size" : "this silo does not share KV prefixes");
            return Task.FromResult(0);
        }
        for (int i = 0; i < blocks.Length; i++)
            if (!pool.Import(blocks[i].ToRecord(), out var why))
            {
                if (why is not null) logger.LogWarning("Refused a KV block from another silo: {Why}", why);
                return Task.FromResult(i);
            }
        return Task.FromResult(blocks.Length);
    }
}
