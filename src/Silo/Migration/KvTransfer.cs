using SmolLM3.Silo.Models;

namespace SmolLM3.Silo.Migration;

/// <summary>
/// Sends the KV blocks holding a token sequence's start to another silo's <see cref="IKvReceiverGrain"/>, in chunks
/// of about <see cref="ChunkBytes"/>, each block checked there by its address and checksum. Blocks come from this
/// silo's pool or its spill tier; they stay here too (the pool takes them back when it needs them).
/// </summary>
public sealed class KvTransfer(ModelHost host, IGrainFactory grains)
{
    /// <summary>Keys and values per call: big enough to amortize a call, small enough for Orleans' message limits.</summary>
    public const long ChunkBytes = 4 << 20;

    /// <summary>Sends the whole blocks of <paramref name="tokens"/> to <paramref name="target"/>; returns the positions it now holds.</summary>
    public async Task<int> SendAsync(IReadOnlyList<int> tokens, SiloAddress target, CancellationToken cancellation = default)
    {
        var pool = host.KvPool;
        if (!pool.SharesPrefixes) return 0;
        var ids = tokens.ToArray();
        var receiver = grains.GetGrain<IKvReceiverGrain>(target.ToParsableString());
        int perChunk = (int)Math.Max(1, ChunkBytes / pool.BlockBytes), sent = 0;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            var chunk = pool.ExportPrefix(ids, first: sent, count: perChunk);
            if (chunk.Count == 0) break;
            int kept = await receiver.AcceptAsync(pool.AddressRoot, [.. chunk.Select(KvBlockTransfer.From)]);
            sent += kept;
            if (kept < chunk.Count) break;
        }
        return sent * pool.BlockTokens;
    }
}
