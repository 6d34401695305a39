using System.Runtime.CompilerServices;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// How far ahead of each weight row the dots ask for lines: a core's own hardware prefetch leaves decode at about a third
/// of the memory bandwidth on the machines measured (docs/benchmarks.md). Rows shorter than a fixed distance would have it
/// land in the rows this pass is already reading; the same place in the next pass's row is one pass ahead instead,
/// as long as four such rows stay well inside L1.
/// </summary>
internal static class Prefetch
{
    /// <summary>Bytes ahead for rows <paramref name="stride"/> bytes apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Ahead(long stride) => 4 * stride <= NextPassLimit ? 4 * stride : Distance;

    /// <summary>The fixed distance for long rows.</summary>
    public const int Distance = 2048;

    /// <summary>Most bytes one pass of four rows may span for the next pass to be the target.</summary>
    const int NextPassLimit = 8192;
}
