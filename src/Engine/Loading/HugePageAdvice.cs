using System.Runtime.InteropServices;

namespace SmolLM3.Engine.Loading;

/// <summary>
/// Asks Linux to back a long-lived buffer (a GGUF's packed blocks) with 2 MiB pages: the whole 2 MiB stretches inside it
/// are marked (MADV_HUGEPAGE) and the pages already written are gathered into huge ones at once (MADV_COLLAPSE, Linux
/// 6.1+). Decode streams every weight once per step, and on 4 KiB pages that is a TLB miss every 4 KiB. Best effort: a
/// kernel without transparent huge pages, or an older one, leaves the buffer as it was; libtorch's switch for its own
/// allocations (<see cref="Kernels.TorchHugePages"/>, THP_MEM_ALLOC_ENABLE) turns it off too.
/// </summary>
internal static unsafe class HugePageAdvice
{
    const long Page = 2L << 20;
    const int MadvHugePage = 14, MadvCollapse = 25;

    /// <summary>Advises the 2 MiB-aligned stretches of <paramref name="bytes"/> bytes at <paramref name="start"/>; returns the bytes advised.</summary>
    public static long Advise(void* start, long bytes)
    {
        if (!OperatingSystem.IsLinux() || bytes < Page || !Kernels.TorchHugePages.Enabled) return 0;
        long first = ((long)start + Page - 1) & ~(Page - 1), end = ((long)start + bytes) & ~(Page - 1);
        if (end <= first) return 0;
        try
        {
            if (madvise((nint)first, (nuint)(end - first), MadvHugePage) != 0) return 0;
            _ = madvise((nint)first, (nuint)(end - first), MadvCollapse);   // kernels before 6.1 refuse it: khugepaged collapses the marked pages in its own time
            return end - first;
        }
        catch (EntryPointNotFoundException) { return 0; }
        catch (DllNotFoundException) { return 0; }
    }

    /// <summary>As <see cref="Advise(void*, long)"/> over a pinned array's bytes.</summary>
    public static long Advise(byte[] pinned)
    {
        fixed (byte* p = pinned) return Advise(p, pinned.LongLength);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int madvise(nint addr, nuint length, int advice);
}
