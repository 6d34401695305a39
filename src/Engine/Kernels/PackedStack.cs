using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels.Quantized;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Packed matrices of one width stacked by rows (fused Q/K/V or gate/up), each in its own GGUF type, with what a
/// decode GEMV needs worked out once at load rather than on each of a step's ~150 calls: where each part's rows
/// start and, for quantized activations, which activation formats the parts need and where each lies in the buffer.
/// </summary>
public sealed class PackedStack
{
    public IReadOnlyList<PackedWeight> Parts { get; }
    public int Columns { get; }
    public int Rows { get; }

    /// <summary>First stacked row of each part, then <see cref="Rows"/>.</summary>
    internal int[] Starts { get; }

    /// <summary>Whether every part has a quantized-activation dot (<see cref="QuantDot.Supports"/>).</summary>
    internal bool QuantizedDots { get; }

    /// <summary>
    /// Most rows of x a one-off matmul (a prompt chunk) takes by the GEMV: for plain BF16 rows, as many as for dense
    /// weights (<see cref="CpuGemv.OneOffRows"/>: beyond it the GEMM on widened tiles wins); for quantized ones all of
    /// <see cref="CpuGemv.MaxRows"/>, which pay more to dequantize.
    /// </summary>
    internal int OneOffRows { get; }

    /// <summary>The activation formats the parts' dots and panels take, each quantized once per step.</summary>
    internal ActivationFormat[] Formats { get; } = [];

    /// <summary>Bytes of one quantized row of x in each format.</summary>
    internal int[] FormatBytes { get; } = [];

    /// <summary>Bytes of one row of x in the formats before each: format f's rows start at t × this in the buffer.</summary>
    internal int[] FormatOffsets { get; } = [];

    /// <summary>Index into the formats of each part.</summary>
    internal int[] PartFormat { get; } = [];

    /// <summary>Index into the formats of each part's panels (<see cref="QuantPanels.ActivationFormatFor"/>), or −1 where it takes none.</summary>
    internal int[] PanelFormat { get; } = [];

    public PackedStack(IReadOnlyList<PackedWeight> parts)
    {
        if (parts.Count == 0 || parts.Any(p => p.Columns != parts[0].Columns))
            throw new ArgumentException("stacked matrices must be one or more of the same width", nameof(parts));
        Parts = parts;
        Columns = parts[0].Columns;
        Starts = new int[parts.Count + 1];
        for (int p = 0; p < parts.Count; p++) Starts[p + 1] = Starts[p] + parts[p].Rows;
        Rows = Starts[^1];
        QuantizedDots = parts.All(p => QuantDot.Supports(p.Type));
        OneOffRows = parts.All(p => p.Type == GgmlType.BF16) ? CpuGemv.OneOffRows : CpuGemv.MaxRows;
        if (!QuantizedDots) return;
        // the activation rows each part's dots take, then those its panels take (the K formats' differ from their dots')
        Formats = [.. parts.Select(p => QuantDot.ActivationFormatFor(p.Type))
            .Concat(parts.Where(p => QuantPanels.Takes(p.Type)).Select(p => QuantPanels.ActivationFormatFor(p.Type))).Distinct()];
        FormatBytes = [.. Formats.Select(format => QuantDot.ActivationBytes(format, Columns))];
        FormatOffsets = new int[Formats.Length];
        for (int f = 1; f < Formats.Length; f++) FormatOffsets[f] = FormatOffsets[f - 1] + FormatBytes[f - 1];
        PartFormat = [.. parts.Select(p => Array.IndexOf(Formats, QuantDot.ActivationFormatFor(p.Type)))];
        PanelFormat = [.. parts.Select(p => QuantPanels.Takes(p.Type) ? Array.IndexOf(Formats, QuantPanels.ActivationFormatFor(p.Type)) : -1)];
    }

    /// <summary>Bytes of <paramref name="t"/> rows of x in every format.</summary>
    internal long ActivationBytes(int t) => (long)(FormatOffsets.Length == 0 ? 0 : FormatOffsets[^1] + FormatBytes[^1]) * t;
}
