using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// llama.cpp's converter reorders the rows of q_proj and k_proj so that its RoPE can rotate adjacent
/// pairs (x0,x1),(x2,x3)… instead of Hugging Face's halves (x0,x_{d/2}),…. Within each head it did
/// <c>w.reshape(n_head, 2, rows/n_head/2, cols).swapaxes(1, 2)</c>; undoing it lets the engine keep one
/// (Hugging Face) RoPE for every checkpoint format.
/// </summary>
public static class LlamaCppPermutation
{
    /// <summary>
    /// Inverse of the converter's permutation for a row-major [rows, cols] matrix (cols elements per row:
    /// floats, or the bytes of a packed row, since only whole rows move):
    /// Hugging Face row h·R + s·R/2 + i is GGUF row h·R + 2i + s, with R = rows / nHead.
    /// </summary>
    public static T[] Unpermute<T>(T[] weights, int rows, int cols, int nHead)
    {
        if (nHead <= 0 || rows % (2 * nHead) != 0 || (long)rows * cols != weights.LongLength)
            throw new ModelFormatException(
                $"cannot undo the Q/K row permutation: {rows}x{cols} matrix ({weights.LongLength} values) with {nHead} heads");
        var perHead = rows / nHead;
        var half = perHead / 2;
        var result = new T[weights.LongLength];
        for (var h = 0; h < nHead; h++)
            for (var s = 0; s < 2; s++)
                for (var i = 0; i < half; i++)
                    Array.Copy(weights, (long)(h * perHead + 2 * i + s) * cols,
                        result, (long)(h * perHead + s * half + i) * cols, cols);
        return result;
    }

    /// <summary>For each Hugging Face row, the GGUF row it is stored in (<see cref="Unpermute{T}"/> of the row indices).</summary>
    public static int[] RowOrder(int rows, int nHead) => Unpermute(Enumerable.Range(0, rows).ToArray(), rows, 1, nHead);

    /// <summary>
    /// <see cref="Unpermute{T}"/> in place on a row-major [rows, cols] float32 matrix at <paramref name="weights"/>,
    /// one head's rows at a time through a buffer of that size (the converter moves rows only within a head).
    /// </summary>
    public static unsafe void UnpermuteInPlace(float* weights, int rows, int cols, int nHead)
    {
        if (nHead <= 0 || rows % (2 * nHead) != 0)
            throw new ModelFormatException($"cannot undo the Q/K row permutation: {rows}x{cols} matrix with {nHead} heads");
        var order = RowOrder(rows, nHead);
        int perHead = rows / nHead;
        long headValues = (long)perHead * cols, rowBytes = (long)cols * sizeof(float);
        var buffer = System.Buffers.ArrayPool<float>.Shared.Rent(checked((int)headValues));
        try
        {
            fixed (float* b = buffer)
                for (int h = 0; h < nHead; h++)
                {
                    float* head = weights + h * headValues;
                    Buffer.MemoryCopy(head, b, headValues * sizeof(float), headValues * sizeof(float));
                    for (int r = 0; r < perHead; r++)
                        Buffer.MemoryCopy(b + (long)(order[h * perHead + r] - h * perHead) * cols, head + (long)r * cols, rowBytes, rowBytes);
                }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(buffer);
        }
    }
}
