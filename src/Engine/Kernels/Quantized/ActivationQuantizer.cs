namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Writes a float32 row in an <see cref="ActivationFormat"/>. Scales stay float32 (llama.cpp rounds Q8_0/Q8_1
/// scales to F16; keeping them costs nothing here and removes that error). Done once per row of x per GEMV.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    public static void Quantize(ActivationFormat format, float* x, byte* dst, int columns)
    {
        int block = ActivationRow.BlockSize(format), blocks = columns / block;
        var row = ActivationRow.Of(format, dst, blocks);
        for (int b = 0; b < blocks; b++)
            row.Scales[b] = QuantizeBlock(x + b * block, row.Quants + b * block, block);

        if (format == ActivationFormat.Q8_1)
            for (int b = 0; b < blocks; b++)
                row.BlockSums[b] = row.Scales[b] * Sum(row.Quants + b * block, block);
        else if (format == ActivationFormat.Q8_K)
            for (int g = 0; g < columns / ActivationRow.KSumGroup; g++)
                row.GroupSums[g] = (short)Sum(row.Quants + g * ActivationRow.KSumGroup, ActivationRow.KSumGroup);
    }

    /// <summary>d = max|x| / 127 and q = round(x / d), so |x − d·q| ≤ d/2; returns d (0 for an all-zero block).</summary>
    static float QuantizeBlock(float* x, sbyte* q, int n)
    {
        float amax = 0;
        for (int i = 0; i < n; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        float d = amax / 127, id = d != 0 ? 1 / d : 0;
        for (int i = 0; i < n; i++) q[i] = (sbyte)Math.Clamp(MathF.Round(x[i] * id), -127, 127);
        return d;
    }

    static int Sum(sbyte* q, int n)
    {
        int s = 0;
        for (int i = 0; i < n; i++) s += q[i];
        return s;
    }
}
