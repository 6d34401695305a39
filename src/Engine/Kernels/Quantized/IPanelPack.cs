namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// A format's panels (<see cref="QuantPanels"/>): eight weight rows packed, per 32 values, as 8 chunks × 8 rows × 4
/// bytes of integers and the rows' scales, and multiplied by rows of x against them.
/// </summary>
internal unsafe interface IPanelPack
{
    /// <summary>Eight rows <paramref name="stride"/> bytes apart, <paramref name="blocks"/> blocks of 32 values each, into <paramref name="panel"/>.</summary>
    static abstract void Pack(byte* w, long stride, int blocks, byte* panel);

    /// <summary>The panel's eight rows against <typeparamref name="TRows"/> (1–4) activation rows <paramref name="aStride"/> bytes apart: row i's eight dots to y + i·<paramref name="yStride"/>.</summary>
    static abstract void Multiply<TRows>(byte* panel, int blocks, byte* a, int aStride, float* y, int yStride) where TRows : struct, IRowCount;
}
