namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Pinned buffers kept per thread (each caller's own <c>[ThreadStatic]</c> field), grown when a call needs more, so
/// decode steps allocate nothing and kernels may take their address.
/// </summary>
internal static class ThreadScratch
{
    /// <summary><paramref name="buffer"/>, replaced first by one of at least <paramref name="count"/> (and <paramref name="minimum"/>) elements if it is smaller.</summary>
    public static T[] Pinned<T>(ref T[]? buffer, long count, int minimum)
    {
        if (buffer is null || buffer.LongLength < count)
            buffer = GC.AllocateUninitializedArray<T>(checked((int)Math.Max(count, minimum)), pinned: true);
        return buffer;
    }
}
