namespace SmolLM3.Engine.Kernels;

/// <summary>
/// The element-wise work of a fused decode step (norms, RoPE, SiLU·up) split by rows of x across the GEMV's threads:
/// on one thread it left the others spinning (16 F32 sequences on two cores: the workers' spin 2.8 → 2.1 % of samples).
/// </summary>
public static class CpuRowSplit
{
    /// <summary>Fewest rows worth a hand-off: below it the rows take less than waking the others costs.</summary>
    public const int MinRows = 4;

    /// <summary>Calls <paramref name="rows"/>(r0, r1) over consecutive ranges covering 0 … t − 1, in parallel from <see cref="MinRows"/> rows.</summary>
    public static void Run(int t, int threads, Action<int, int> rows)
    {
        int parts = t < MinRows ? 1 : Math.Min(threads, t / (MinRows / 2));
        if (parts <= 1)
        {
            rows(0, t);
            return;
        }
        CpuWorkers.Run(parts, p => rows((int)((long)t * p / parts), (int)((long)t * (p + 1) / parts)));
    }
}
