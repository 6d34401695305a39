using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;
using TorchSharp;

namespace SmolLM3.Engine.Tests.Model;

/// <summary>
/// The spill tier: addressed blocks the pool takes back are written to disk and read back instead of computed, by a
/// later cache, by another pool on the same folder (a restarted process), never when a file is corrupt, truncated or
/// for other tokens, within a byte budget, and not at all once the volume fails.
/// </summary>
public sealed class KvSpillTests : IDisposable
{
    readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    static int[] Range(int start, int count) => Enumerable.Range(start, count).ToArray();

    /// <summary>A sharing pool of <paramref name="blocks"/> 16-position blocks spilling to the test's folder.</summary>
    KvBlockPool Pool(ModelConfig config, int blocks, long budget = 1L << 30, KvFormat? format = null)
    {
        var pool = new KvBlockPool(config, format ?? KvFormat.F32, torch.CPU, blockTokens: 16, totalBlocks: blocks);
        pool.SharePrefixes("tiny-smollm3");
        pool.SpillTo(new KvSpillStore(_folder.Root, pool.AddressRoot, budget));
        return pool;
    }

    /// <summary>Fills a pool with other tokens' keys and values, so the blocks no cache reads are taken back (spilled) and overwritten.</summary>
    static void Crowd(CausalLM lm, KvBlockPool pool)
    {
        using var crowd = pool.NewCache();
        lm.Forward([new SequenceChunk(crowd, Range(2000, pool.TotalTokens))]).Dispose();
    }

    static void AssertSame(torch.Tensor want, torch.Tensor got, string what) =>
        Assert.True(got.allclose(want, rtol: 1e-5, atol: 1e-5), $"{what}: max diff {(got - want).abs().max().item<float>()}");

    [SkippableTheory]
    [InlineData("f32")]
    [InlineData("bf16")]
    [InlineData("q8_0")]
    public void A_prefix_taken_back_from_the_pool_is_read_back_from_disk_and_computes_what_it_would_have(string kv)
    {
        var format = KvFormat.Parse(kv);
        using var lm = TinyModels.Load("tiny-smollm3/hf", format);
        using var pool = Pool(lm.Config, blocks: 8, format: format);
        int[] prompt = Range(100, 70);   // four whole blocks and a partial one
        using (var first = pool.NewCache()) lm.Forward([new SequenceChunk(first, prompt)]).Dispose();
        Crowd(lm, pool);
        Assert.Equal(4L, pool.Stats.Spill!.Value.Writes);   // the four whole blocks, overwritten since

        using var again = pool.NewCache();
        Assert.Equal(64, again.AttachPrefix(prompt));
        Assert.Equal(64L, pool.Stats.RestoredTokens);
        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, [.. prompt, 5, 6])]);
        using var got = lm.Forward([new SequenceChunk(again, [.. prompt[64..], 5, 6])]);
        AssertSame(want, got, "the tail after the restored blocks");
    }

    [SkippableFact]
    public void A_sequence_continues_with_its_start_from_memory_and_its_end_from_disk()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var pool = Pool(lm.Config, blocks: 12);
        int[] prompt = Range(100, 160);   // ten whole blocks
        using (var first = pool.NewCache()) lm.Forward([new SequenceChunk(first, prompt)]).Dispose();
        using (var other = pool.NewCache())
            lm.Forward([new SequenceChunk(other, Range(5000, 96))]).Dispose();   // six blocks: two free, then four of the first's, its last ones
        Assert.Equal(4L, pool.Stats.Spill!.Value.Writes);

        using var again = pool.NewCache();
        Assert.Equal(160, again.AttachPrefix([.. prompt, 1]));
        Assert.Equal((160L + 0, 64L), (pool.Stats.PrefixHitTokens - 0, pool.Stats.RestoredTokens));
        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, [.. prompt, 1])]);
        using var got = lm.Forward([new SequenceChunk(again, [1])]);
        AssertSame(want, got, "after six blocks from memory and four from disk");
    }

    [SkippableFact]
    public void Reading_back_evicts_an_idle_cache_when_no_block_is_free()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var pool = Pool(lm.Config, blocks: 8);
        int[] prompt = Range(100, 64);
        using (var first = pool.NewCache()) lm.Forward([new SequenceChunk(first, prompt)]).Dispose();
        using var idle = pool.NewCache();
        lm.Forward([new SequenceChunk(idle, Range(5000, 128))]).Dispose();   // every block
        idle.MarkIdle();

        using var again = pool.NewCache();
        Assert.Equal(64, again.AttachPrefix([.. prompt, 1]));
        Assert.Equal((0, 1L), (idle.Length, pool.Stats.Evictions));
    }

    [SkippableFact]
    public void A_new_pool_on_the_same_folder_finds_what_the_last_one_spilled_when_it_stopped()
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        int[] prompt = Range(7, 50);
        using (var before = Pool(lm.Config, blocks: 8))
        {
            using var cache = before.NewCache();
            lm.Forward([new SequenceChunk(cache, prompt)]).Dispose();
            before.SpillAll();   // what a stopping silo does
        }

        using var after = Pool(lm.Config, blocks: 8);
        Assert.Equal(3, after.Stats.Spill!.Value.Blocks);
        using var again = after.NewCache();
        Assert.Equal(48, again.AttachPrefix(prompt));
        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, [.. prompt, 1])]);
        using var got = lm.Forward([new SequenceChunk(again, [.. prompt[48..], 1])]);
        AssertSame(want, got, "after the restart");
    }

    [SkippableTheory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("delete")]
    public void A_damaged_spill_file_is_not_used_the_blocks_before_it_are_and_the_rest_is_recomputed(string damage)
    {
        using var lm = TinyModels.Load("tiny-smollm3/hf");
        using var pool = Pool(lm.Config, blocks: 8);
        var warnings = new List<string>();
        pool.Spill!.Warning += (message, _) => warnings.Add(message);
        int[] prompt = Range(300, 64);
        using (var first = pool.NewCache()) lm.Forward([new SequenceChunk(first, prompt)]).Dispose();
        Crowd(lm, pool);

        // the third block's file: the one written third (files are named by address, so find it by its ids)
        var files = Directory.GetFiles(_folder.Root, "*.kvb", SearchOption.AllDirectories).OrderBy(File.GetLastWriteTimeUtc).ToArray();
        Assert.Equal(4, files.Length);
        var third = files.Single(f => ContainsIds(File.ReadAllBytes(f), prompt.AsSpan(32, 16)));
        switch (damage)
        {
            case "flip":
                var bytes = File.ReadAllBytes(third);
                bytes[^100] ^= 0x40;
                File.WriteAllBytes(third, bytes);
                break;
            case "truncate":
                using (var f = File.OpenWrite(third)) f.SetLength(f.Length - 1000);
                break;
            default:
                File.Delete(third);
                break;
        }

        using var again = pool.NewCache();
        Assert.Equal(32, again.AttachPrefix(prompt));
        Assert.False(File.Exists(third));
        Assert.Single(warnings);
        Assert.Contains("recomputed", warnings[0]);
        Assert.Equal(1L, pool.Stats.Spill!.Value.Rejected);
        using var alone = lm.NewCache();
        using var want = lm.Forward([new SequenceChunk(alone, prompt)]);
        using var got = lm.Forward([new SequenceChunk(again, prompt[32..])]);
        AssertSame(want, got, "recomputed past the damaged block");
    }

    static bool ContainsIds(byte[] file, ReadOnlySpan<int> ids)
    {
        var want = System.Runtime.InteropServices.MemoryMarshal.AsBytes(ids);
        return file.AsSpan(0, 60 + want.Length + 100).IndexOf(want) >= 0;
    }

    [Fact]
    public void A_file_is_used_only_for_the_tokens_and_parent_it_was_written_for()
    {
        var store = new KvSpillStore(_folder.Root, root: 1, budgetBytes: 1 << 20);
        byte[] payload = Range(0, 64).Select(i => (byte)i).ToArray();
        store.Write(address: 5, parent: 1, [1, 2, 3, 4], payload);
        byte[]? read = null;
        Assert.False(store.TryRead(5, 1, [1, 2, 3, 9], payload.Length, p => read = p.ToArray()));   // an address collision
        Assert.Null(read);
        store.Write(address: 5, parent: 1, [1, 2, 3, 4], payload);
        Assert.False(store.TryRead(5, 2, [1, 2, 3, 4], payload.Length, p => read = p.ToArray()));   // another parent
        store.Write(address: 5, parent: 1, [1, 2, 3, 4], payload);
        Assert.False(store.TryRead(5, 1, [1, 2, 3, 4], payload.Length + 1, p => read = p.ToArray()));   // another shape
        store.Write(address: 5, parent: 1, [1, 2, 3, 4], payload);
        Assert.True(store.TryRead(5, 1, [1, 2, 3, 4], payload.Length, p => read = p.ToArray()));
        Assert.Equal(payload, read);
        Assert.Equal(3L, store.Stats.Rejected);
    }

    [Fact]
    public void The_budget_keeps_the_most_recently_used_files()
    {
        byte[] payload = new byte[1000];
        var store = new KvSpillStore(_folder.Root, root: 1, budgetBytes: 3500);
        for (int i = 1; i <= 3; i++) store.Write((UInt128)i, 0, [i], payload);
        Assert.True(store.TryRead(1, 0, [1], payload.Length, _ => { }));   // 1 is now the most recent
        store.Write(4, 0, [4], payload);
        Assert.Equal((3, true, false), (store.Stats.Blocks, store.Contains(1), store.Contains(2)));
        Assert.True(store.Stats.Bytes <= 3500);

        var reopened = new KvSpillStore(_folder.Root, root: 1, budgetBytes: 2500);   // a smaller budget on restart
        Assert.Equal(2, reopened.Stats.Blocks);
        Assert.Equal(2, Directory.GetFiles(_folder.Root, "*.kvb", SearchOption.AllDirectories).Length);
    }

    [Fact]
    public void Opening_a_store_for_another_model_removes_the_blocks_of_the_one_before()
    {
        new KvSpillStore(_folder.Root, root: 1, budgetBytes: 1 << 20).Write(5, 1, [1], new byte[10]);
        var other = new KvSpillStore(_folder.Root, root: 2, budgetBytes: 1 << 20);
        Assert.Equal(0, other.Stats.Blocks);
        Assert.Single(Directory.GetDirectories(_folder.Root));
        using var pool = new KvBlockPool(KvBlockPoolTests.Shape, KvFormat.F32, torch.CPU, 4, 4);
        pool.SharePrefixes("m");
        Assert.Throws<ArgumentException>(() => pool.SpillTo(other));
    }

    [Fact]
    public void A_volume_that_vanishes_turns_spilling_off_and_the_pool_keeps_serving()
    {
        using var pool = new KvBlockPool(KvBlockPoolTests.Shape, KvFormat.F32, torch.CPU, blockTokens: 4, totalBlocks: 4);
        pool.SharePrefixes("m");
        var store = new KvSpillStore(_folder.PathFor("spill"), pool.AddressRoot, 1 << 20);
        var warnings = new List<string>();
        store.Warning += (message, _) => warnings.Add(message);
        pool.SpillTo(store);
        using (var a = pool.NewCache())
        {
            Assert.True(a.TryReserve(8));
            a.Advance(Range(1, 8));
        }
        Directory.Delete(_folder.PathFor("spill"), recursive: true);

        using var crowd = pool.NewCache();
        Assert.True(crowd.TryReserve(16));   // takes the two addressed blocks back; writing them fails
        Assert.NotNull(pool.Stats.Spill!.Value.Fault);
        Assert.Contains("turned off", Assert.Single(warnings));
        crowd.Dispose();
        using var b = pool.NewCache();
        Assert.Equal(0, b.AttachPrefix(Range(1, 9)));
    }

    [Fact]
    public void Spilling_needs_prefix_sharing()
    {
        using var pool = new KvBlockPool(KvBlockPoolTests.Shape, KvFormat.F32, torch.CPU, 4, 4);
        Assert.Throws<InvalidOperationException>(() => pool.AddressRoot);
        Assert.Throws<InvalidOperationException>(() => pool.SpillTo(new KvSpillStore(_folder.Root, 1, 1 << 20)));
    }
}
