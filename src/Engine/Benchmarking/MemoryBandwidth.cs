using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Benchmarking;

/// <summary>
/// Read bandwidth of main memory, measured by summing a buffer far larger than the caches on every
/// core. Decode reads every weight once per token, so bandwidth ÷ weight bytes bounds its rate: the
/// same-run baseline that decode figures are reported against.
/// </summary>
public static unsafe class MemoryBandwidth
{
    /// <summary>Best of <paramref name="repeats"/> passes over <paramref name="bytes"/>, in bytes per second.</summary>
    public static double Measure(long bytes = 1L << 30, int repeats = 5, int? threads = null)
    {
        int parts = threads ?? Environment.ProcessorCount;
        long n = bytes / sizeof(float) / 32 * 32;
        var buffer = (float*)NativeMemory.AlignedAlloc((nuint)(n * sizeof(float)), 64);
        try
        {
            for (long i = 0; i < n; i += 1 << 20) new Span<float>(buffer + i, (int)Math.Min(1 << 20, n - i)).Fill(1);
            double best = 0;
            var sums = new float[parts];
            for (int r = 0; r < repeats; r++)
            {
                var sw = Stopwatch.StartNew();
                Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
                {
                    long start = n * p / parts / 32 * 32, end = n * (p + 1) / parts / 32 * 32;
                    Vector256<float> a = Vector256<float>.Zero, b = Vector256<float>.Zero, c = Vector256<float>.Zero, d = Vector256<float>.Zero;
                    for (long i = start; i < end; i += 32)
                    {
                        a += Vector256.Load(buffer + i);
                        b += Vector256.Load(buffer + i + 8);
                        c += Vector256.Load(buffer + i + 16);
                        d += Vector256.Load(buffer + i + 24);
                    }
                    sums[p] = Vector256.Sum(a + b + c + d);   // keeps the loop from being optimized away
                });
                best = Math.Max(best, n * sizeof(float) / sw.Elapsed.TotalSeconds);
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }
}
