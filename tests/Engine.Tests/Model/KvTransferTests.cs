using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// Blocks moved between pools of one model: exported from memory or the spill tier, imported as cached blocks another
/// sequence finds by content and computes from exactly as before; a record that does not check out is refused.
/// </summary>
public sealed class KvTransferTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

    static KvBlockPool Pool(CausalLM lm, int blocks = 16)
    {
        var pool = new KvBlockPool(lm.Config, KvFormat.F32, torch.CPU, blockTokens: 16, totalBlocks: blocks);
        pool.SharePrefixes("tiny-smollm3");
        return pool;
    }

    [SkippableFact]
    public void A_prefix_moved_to_another_pool_is_attached_there_and_computes_what_it_would_have()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var from = Pool(lm);
        using var to = Pool(lm);
        int[] prompt = Range(40, 75);   // four whole blocks and a partial one
        using (var cache = from.NewCache()) lm.Forward([new SequenceChunk(cache, prompt)]).Dispose();

        var records = from.ExportPrefix(prompt);
        Assert.Equal(4, records.Count);
        foreach (var r in records) Assert.True(to.Import(r, out var why), why);
        Assert.Equal((4, 0), (to.Stats.CachedBlocks, to.Stats.UsedBlocks));

        using var moved = to.NewCache();
        Assert.Equal(64, moved.AttachPrefix(prompt));
        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, [.. prompt, 9])]);
        using var got = lm.Forward([new SequenceChunk(moved, [.. prompt[64..], 9])]);
        Assert.True(got.allclose(want, rtol: 1e-5, atol: 1e-5), $"max diff {(got - want).abs().max().item<float>()}");
    }

    [SkippableFact]
    public void Blocks_spilled_to_disk_are_exported_too_and_a_full_pool_imports_into_its_spill_tier()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var from = Pool(lm, blocks: 4);
        from.SpillTo(new KvSpillStore(_folder.PathFor("from"), from.AddressRoot, 1 << 30));
        int[] prompt = Range(40, 48);
        using (var cache = from.NewCache()) lm.Forward([new SequenceChunk(cache, prompt)]).Dispose();
        using (var crowd = from.NewCache()) lm.Forward([new SequenceChunk(crowd, Range(900, 64))]).Dispose();   // the three go to disk
        var records = from.ExportPrefix(prompt);
        Assert.Equal(3, records.Count);

        using var to = Pool(lm, blocks: 2);
        to.SpillTo(new KvSpillStore(_folder.PathFor("to"), to.AddressRoot, 1 << 30));
        using var busy = to.NewCache();
        Assert.True(busy.TryReserve(32));   // no block free
        foreach (var r in records) Assert.True(to.Import(r, out var why), why);
        Assert.Equal(3, to.Stats.Spill!.Value.Blocks);
    }

    [SkippableFact]
    public void A_record_that_does_not_check_out_is_refused()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var from = Pool(lm);
        using var to = Pool(lm);
        int[] prompt = Range(40, 33);
        using (var cache = from.NewCache()) lm.Forward([new SequenceChunk(cache, prompt)]).Dispose();
        var records = from.ExportPrefix(prompt);

        var flipped = records[0].Payload.ToArray();
        flipped[10] ^= 1;
        Assert.False(to.Import(records[0] with { Payload = flipped }, out var why));
        Assert.Contains("checksum", why);
        Assert.False(to.Import(records[0] with { Address = records[0].Address with { Ids = Range(0, 16) } }, out why));
        Assert.Contains("hash", why);
        Assert.False(to.Import(records[1], out why));   // its parent never arrived, and there is no spill tier
        Assert.Equal(0, to.Stats.CachedBlocks);

        using var other = new KvBlockPool(lm.Config, KvFormat.BF16, torch.CPU, blockTokens: 16, totalBlocks: 8);
        other.SharePrefixes("tiny-smollm3");
        Assert.False(other.Import(records[0], out why));   // another KV type: another payload size (and address root)
    }
}
