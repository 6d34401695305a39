using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Sampling;

/// <summary>
/// Partial selection of the k largest values without sorting the whole row: a size-k min-heap over
/// indices, O(n log k), then heap-sorted in place. Order: value descending, ties to the lower index;
/// NaN ranks below everything.
/// </summary>
internal static class TopSelection
{
    /// <summary>Writes the indices of the <paramref name="k"/> largest values, best first, to <paramref name="dst"/>; returns how many.</summary>
    public static int Select(ReadOnlySpan<float> values, int k, Span<int> dst)
    {
        k = Math.Min(k, values.Length);
        if (k <= 0) return 0;
        var heap = dst[..k];
        int count = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (count < k)
            {
                heap[count] = i;
                SiftUp(values, heap, count++);
            }
            else if (Better(values, i, heap[0]))
            {
                heap[0] = i;
                SiftDown(values, heap, 0, k);
            }
        }
        // Heap-sort: move the worst (root) to the end repeatedly, leaving best-first order.
        for (int end = k - 1; end > 0; end--)
        {
            (heap[0], heap[end]) = (heap[end], heap[0]);
            SiftDown(values, heap, 0, end);
        }
        return k;
    }

    /// <summary>
    /// The index <see cref="Select"/> puts first for k = 1 (a greedy step): the largest value, ties to the lower index,
    /// NaN below everything. Two vector passes (the maximum, then its first index) instead of a comparison per value.
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("no values to choose from", nameof(values));
        int n = Vector256<float>.Count, i = 0;
        var best = Vector256.Create(float.NegativeInfinity);
        ref float first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
        for (; i + n <= values.Length; i += n)
        {
            var v = Vector256.LoadUnsafe(ref first, (nuint)i);
            best = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best), v, best);   // a NaN compares false: never taken
        }
        float max = float.NegativeInfinity;
        for (int lane = 0; lane < n; lane++) max = Math.Max(max, best[lane]);   // no lane holds a NaN
        for (; i < values.Length; i++)
            if (values[i] > max) max = values[i];
        if (max == float.NegativeInfinity)
        {
            // every value -inf or NaN: the ranking's own order decides
            Span<int> one = stackalloc int[1];
            Select(values, 1, one);
            return one[0];
        }
        var target = Vector256.Create(max);
        for (i = 0; i + n <= values.Length; i += n)
        {
            uint equal = Vector256.Equals(Vector256.LoadUnsafe(ref first, (nuint)i), target).ExtractMostSignificantBits();
            if (equal != 0) return i + System.Numerics.BitOperations.TrailingZeroCount(equal);
        }
        for (; i < values.Length; i++)
            if (values[i] == max) return i;
        throw new InvalidOperationException("the maximum was not found again");
    }

    /// <summary>True when index a ranks before index b.</summary>
    static bool Better(ReadOnlySpan<float> v, int a, int b)
    {
        float x = v[a], y = v[b];
        if (float.IsNaN(x)) return float.IsNaN(y) && a < b;
        if (float.IsNaN(y)) return true;
        return x > y || (x == y && a < b);
    }

    // Min-heap on rank: the root is the worst kept index.
    static void SiftUp(ReadOnlySpan<float> v, Span<int> heap, int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(v, heap[parent], heap[i])) break;
            (heap[parent], heap[i]) = (heap[i], heap[parent]);
            i = parent;
        }
    }

    static void SiftDown(ReadOnlySpan<float> v, Span<int> heap, int i, int count)
    {
        while (true)
        {
            int worst = i, l = 2 * i + 1, r = l + 1;
            if (l < count && Better(v, heap[worst], heap[l])) worst = l;
            if (r < count && Better(v, heap[worst], heap[r])) worst = r;
            if (worst == i) return;
            (heap[worst], heap[i]) = (heap[i], heap[worst]);
            i = worst;
        }
    }
}
