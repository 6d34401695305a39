namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Packs eight weight rows into a panel (<see cref="QuantPanels"/>): per 32 values, 8 chunks × 8 rows × 4 bytes of
/// integers, then the rows' scales d, then what their integer 0 stands for.
/// </summary>
internal unsafe interface IPanelPack
{
    /// <summary>Eight rows <paramref name="stride"/> bytes apart, <paramref name="blocks"/> blocks of 32 values each, into <paramref name="panel"/>.</summary>
    static abstract void Pack(byte* w, long stride, int blocks, byte* panel);
}
