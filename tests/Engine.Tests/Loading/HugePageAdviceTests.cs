using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Tests.Loading;

/// <summary>A GGUF's packed blocks are asked onto 2 MiB pages as they are copied in, and keep their bytes.</summary>
public class HugePageAdviceTests
{
    [SkippableFact]
    public void Packed_blocks_lie_on_huge_pages_and_keep_their_bytes()
    {
        const string setting = "/sys/kernel/mm/transparent_hugepage/enabled";
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists(setting) && !File.ReadAllText(setting).Contains("[never]"),
            "this kernel gives no transparent huge pages");
        NativeDefaults.Apply();
        Skip.IfNot(TorchHugePages.Enabled, "THP_MEM_ALLOC_ENABLE switches huge pages off here");
        // 2,048 rows of 4,096 Q8_0 weights: 8.5 MiB of blocks with every byte set
        int rows = 2048, columns = 4096, rowBytes = columns / 32 * 34;
        var blocks = new byte[rows * rowBytes];
        new Random(7).NextBytes(blocks);
        long before = AnonHugeKiB();
        var packed = PackedWeight.FromBlocks(GgmlType.Q8_0, blocks, rows, columns);
        long after = AnonHugeKiB();
        Assert.True(after - before >= 4 << 10, $"huge pages grew by {after - before} KiB for {blocks.Length >> 10} KiB of blocks");
        Assert.Equal(blocks, packed.Data);
        GC.KeepAlive(packed);
    }

    [Fact]
    public unsafe void Nothing_shorter_than_a_huge_page_is_advised()
    {
        var small = GC.AllocateUninitializedArray<byte>(1 << 20, pinned: true);
        Assert.Equal(0, HugePageAdvice.Advise(small));
    }

    static long AnonHugeKiB() => File.ReadLines("/proc/self/smaps_rollup")
        .Where(l => l.StartsWith("AnonHugePages:", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]))
        .Sum();
}
