using SmolLM3.Engine.Benchmarking;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;
using SmolLM3.Engine.Model;

namespace SmolLM3.Engine.Tests.Kernels;

/// <summary>A GGUF's packed blocks are asked onto 2 MiB pages as they are copied in, and keep their bytes.</summary>
public class HugePageAdviceTests
{
    /// <summary>
    /// The blocks' whole 2 MiB stretches are marked for huge pages (the kernel's "hg" flag on their mapping). Whether it
    /// backs them at once depends on its free memory, so the flag is what is asserted; the bytes must be the file's.
    /// </summary>
    [SkippableFact]
    public unsafe void Packed_blocks_are_marked_for_huge_pages_and_keep_their_bytes()
    {
        Skip.If(HugePageMappings.Unavailable() is not null, HugePageMappings.Unavailable());
        NativeDefaults.Apply();
        Skip.IfNot(TorchHugePages.Enabled, "THP_MEM_ALLOC_ENABLE switches huge pages off here");
        // 2,048 rows of 4,096 Q8_0 weights: 8.5 MiB of blocks with every byte set
        int rows = 2048, columns = 4096, rowBytes = columns / 32 * 34;
        var blocks = new byte[rows * rowBytes];
        new Random(7).NextBytes(blocks);
        var packed = PackedWeight.FromBlocks(GgmlType.Q8_0, blocks, rows, columns);
        Assert.Equal(blocks, packed.Data);
        fixed (byte* p = packed.Data)
        {
            long page = 2L << 20, inside = ((long)p + page - 1) & ~(page - 1);
            Assert.True(HugePageMappings.Has(inside, "hg"), $"the mapping at 0x{inside:x} has flags '{HugePageMappings.Flags(inside)}', no hg");
        }
        GC.KeepAlive(packed);
    }

    /// <summary>
    /// A KV pool fills as conversations grow, so its memory stays on 4 KiB pages (VmFlags "nh") whatever libtorch asked
    /// for: on huge pages each head's first block made 2 MiB resident.
    /// </summary>
    [SkippableFact]
    public unsafe void A_kv_pool_stays_on_small_pages()
    {
        Skip.If(HugePageMappings.Unavailable() is not null, HugePageMappings.Unavailable());
        NativeDefaults.Apply();
        // SmolLM2-135M's shape, 1,024 blocks of 16: 6 MiB per layer's keys, far over libtorch's 2 MiB line
        using var pool = new KvBlockPool(ModelShapes.SmolLM2_135M, KvFormat.BF16, TorchSharp.torch.CPU, blockTokens: 16, totalBlocks: 1024);
        var blocks = new List<int>();
        Assert.True(pool.TryTake(1, blocks));
        Span<nint> keys = stackalloc nint[1], values = stackalloc nint[1];
        pool.Pointers(0, blocks, 1, keys, values);
        foreach (long at in new[] { (long)keys[0], (long)values[0] })
            Assert.True(HugePageMappings.Has(at, "nh"), $"the pool's mapping has flags '{HugePageMappings.Flags(at)}', no nh");
    }

    [Fact]
    public unsafe void Nothing_shorter_than_a_huge_page_is_advised()
    {
        var small = GC.AllocateUninitializedArray<byte>(1 << 20, pinned: true);
        Assert.Equal(0, HugePageAdvice.Advise(small));
    }
}
