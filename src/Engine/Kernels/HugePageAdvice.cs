using System.Runtime.InteropServices;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Tells Linux which buffers to back with 2 MiB pages. A long-lived buffer read whole (a GGUF's packed blocks): the
/// whole 2 MiB stretches inside it are marked (MADV_HUGEPAGE) and the pages already written are gathered into huge ones
/// at once (MADV_COLLAPSE, Linux 6.1+); decode streams every weight once per step, and on 4 KiB pages that is a TLB miss
/// every 4 KiB. A buffer that fills as it is used (the KV pool) is kept on 4 KiB pages (MADV_NOHUGEPAGE), so its resident
/// memory grows with what is cached. Best effort: a kernel without transparent huge pages, or an older one, leaves a
/// buffer as it was; libtorch's switch for its own allocations (<see cref="TorchHugePages"/>, THP_MEM_ALLOC_ENABLE) turns
/// the first off too.
/// </summary>
internal static unsafe class HugePageAdvice
{
    const long Page = 2L << 20;
    const long SmallPage = 4096;
    const int MadvHugePage = 14, MadvNoHugePage = 15, MadvCollapse = 25;

    /// <summary>Advises the 2 MiB-aligned stretches of <paramref name="bytes"/> bytes at <paramref name="start"/>; returns the bytes advised.</summary>
    public static long Advise(void* start, long bytes)
    {
        if (!OperatingSystem.IsLinux() || !TorchHugePages.Enabled) return 0;
        var (first, end) = Inside(start, bytes, Page);
        if (end <= first || !Call(first, end, MadvHugePage)) return 0;
        Call(first, end, MadvCollapse);   // kernels before 6.1 refuse it: khugepaged collapses the marked pages in its own time
        return end - first;
    }

    /// <summary>
    /// Keeps the whole 4 KiB pages of <paramref name="bytes"/> bytes at <paramref name="start"/> off huge pages, before
    /// they are first written; returns the bytes refused. libtorch asks for huge pages for every allocation of 2 MiB and
    /// more, and a KV pool's first block in each head's stretch would then make 2 MiB of it resident (~260 MiB more for one
    /// short SmolLM2-135M conversation).
    /// </summary>
    public static long Refuse(void* start, long bytes)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        var (first, end) = Inside(start, bytes, SmallPage);
        return end > first && Call(first, end, MadvNoHugePage) ? end - first : 0;
    }

    /// <summary>The whole pages of <paramref name="page"/> bytes within <paramref name="bytes"/> bytes at <paramref name="start"/> (empty when none).</summary>
    static (long First, long End) Inside(void* start, long bytes, long page) =>
        (((long)start + page - 1) & ~(page - 1), ((long)start + bytes) & ~(page - 1));

    /// <summary>One madvise call; false where the kernel or the C library refuses it.</summary>
    static bool Call(long first, long end, int advice)
    {
        try { return madvise((nint)first, (nuint)(end - first), advice) == 0; }
        catch (EntryPointNotFoundException) { return false; }
        catch (DllNotFoundException) { return false; }
    }

    /// <summary>As <see cref="Advise(void*, long)"/> over a pinned array's bytes.</summary>
    public static long Advise(byte[] pinned)
    {
        fixed (byte* p = pinned) return Advise(p, pinned.LongLength);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int madvise(nint addr, nuint length, int advice);
}
