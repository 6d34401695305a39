using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Gguf;
using SmolLM3.Engine.Kernels.Quantized;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// y = x · Wᵀ for a handful of rows of x (decode steps) on the CPU, with W in float32, bfloat16 or
/// packed GGUF blocks and x, y in float32. Decode is bound by reading W
/// once per step; this streams each weight row once for all rows of x and splits W's rows across
/// threads, which reads memory faster than libtorch's small-batch GEMM on this path.
/// </summary>
public static unsafe class CpuGemv
{
    /// <summary>
    /// Largest number of x rows the GEMV takes, dense or packed: a fused step of decoding sequences and short prompt
    /// pieces. With packed W, beyond it tiles of W dequantized once and the BLAS GEMM serve enough rows to pay for
    /// themselves (<see cref="PackedMatmul"/>); at 48–64 rows the two were level on SmolLM2-135M Q4_K_M prompts.
    /// </summary>
    public const int MaxRows = 64;

    /// <summary>
    /// Rows up to which a step with dense (F32, BF16) weights fuses: beyond it libtorch's GEMM, which has no dequantizing
    /// to amortize, is as fast (SmolLM2-135M F32 prompts of 64 tokens: 266–293 tokens/s fused, 291–342 by GEMM).
    /// </summary>
    public const int DenseStepRows = 32;

    /// <summary>
    /// Rows up to which a single matmul outside a fused decode step (a prompt chunk, a general-path step) takes the dense
    /// GEMV; beyond it the BLAS GEMM's packed panels win (measured on SmolLM2-135M F32: a 32-token prompt 120 tokens/s by
    /// GEMM, 62 by GEMV), while a fused step keeps the GEMV to <see cref="DenseStepRows"/> (16 sequences 66 → 104).
    /// </summary>
    public const int OneOffRows = 8;

    /// <summary>
    /// Rows of x from which a packed matrix is multiplied by widening a few of its rows at a time to F32 and taking them
    /// in the dense GEMV's register tiles (<see cref="MultiplyWidened"/>): each row is decoded once per step and then
    /// serves every sequence at F32's rate, where the per-sequence integer dots cost more than the decoding saves. Below
    /// it the integer tiles win (SmolLM2-135M Q4_K_M, alternating orders: 8 sequences 156–202 tokens/s widened, 176–199
    /// by tiles; at 16 widened 185–237, tiles 166–224). The 32-value formats' panels (<see cref="PanelRows"/>) beat both.
    /// </summary>
    public const int WidenedRows = 16;

    /// <param name="w">(outFeatures, inFeatures) row-major.</param>
    /// <param name="x">(t, inFeatures) row-major.</param>
    /// <param name="y">(t, outFeatures) row-major, overwritten.</param>
    public static void Multiply(float* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, MaxRows, outFeatures, threads, (r0, r1) => F32Rows.Rows(w + (long)r0 * inFeatures, r1 - r0, inFeatures, x, t, y + r0, outFeatures),
            align: F32Rows.RowAlign(t));

    /// <summary>As <see cref="Multiply(float*, float*, float*, int, int, int, int)"/> with W in bfloat16.</summary>
    public static void Multiply(ushort* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, MaxRows, outFeatures, threads, (r0, r1) => Bf16.Rows(w + (long)r0 * inFeatures, r1 - r0, inFeatures, x, t, y + r0, outFeatures), align: 4);

    /// <summary>
    /// As <see cref="Multiply(float*, float*, float*, int, int, int, int)"/> with W packed: the rows of
    /// <paramref name="stack"/> in order (fused Q/K/V or gate/up, each part in its own GGUF type), each row's dot taken
    /// for all t rows of x at once. Up to <see cref="MaxRows"/> rows. With quantized activations the 32-value formats take
    /// panels from <see cref="PanelRowsFor"/> rows of x (Q8_0 and Q4_K later than the others), and the other K formats widen
    /// exactly from <see cref="WidenedRows"/>; exact math widens every format from <see cref="WidenedRows"/>.
    /// </summary>
    public static void Multiply(PackedStack stack, float* x, float* y, int t, int threads, PackedMath math = PackedMath.Exact)
    {
        if (math == PackedMath.QuantizedActivations && stack.QuantizedDots)
        {
            MultiplyQuantized(stack, x, y, t, threads);
            return;
        }
        if (t >= WidenedRows)
        {
            MultiplyWidened(stack, x, y, t, threads);
            return;
        }
        var (parts, starts, outFeatures, inFeatures) = (stack.Parts, stack.Starts, stack.Rows, stack.Columns);
        Split(t, MaxRows, outFeatures, threads, (r0, r1) =>
        {
            for (int p = 0; p < parts.Count; p++)
            {
                int from = Math.Max(r0, starts[p]), to = Math.Min(r1, starts[p + 1]);
                if (from >= to) continue;
                var part = parts[p];
                fixed (byte* data = part.Data)
                {
                    byte* first = data + (long)(from - starts[p]) * part.RowBytes;
                    if (part.Type == GgmlType.BF16)
                        Bf16.Rows((ushort*)first, to - from, inFeatures, x, t, y + from, outFeatures);
                    else
                        for (int r = from; r < to; r++, first += part.RowBytes)
                            PackedRowDot.Rows(part.Type, first, x, t, inFeatures, y + r, outFeatures);
                }
            }
        }, align: 4);
    }

    /// <summary>
    /// <see cref="PackedMath.QuantizedActivations"/>: each row of x quantized once per activation format the parts need
    /// (Q8_0, Q8_1 or Q8_K), then four weight rows at a time against the rows of x: tiles of four weight rows by two to
    /// four rows of x for the 32-value formats (<see cref="QuantDot.DotTile4"/>), four rows of x at once per weight row for
    /// the K formats (<see cref="QuantDot.DotActivations"/>, its blocks unpacked once), and one sequence (or a row of x
    /// left over) one weight row at a time (<see cref="QuantDot.Dot"/>).
    /// </summary>
    static void MultiplyQuantized(PackedStack stack, float* x, float* y, int t, int threads)
    {
        var (parts, starts, outFeatures, inFeatures) = (stack.Parts, stack.Starts, stack.Rows, stack.Columns);
        fixed (byte* activations = ThreadScratch.Pinned(ref _activations, stack.ActivationBytes(t), 64 * 1024))
        {
            byte* a = activations;
            for (int f = 0; f < stack.Formats.Length; f++)
            {
                byte* rowsOfX = a + (long)stack.FormatOffsets[f] * t;
                int stride = stack.FormatBytes[f];
                for (int i = 0; i < t; i++)
                    QuantDot.QuantizeActivations(stack.Formats[f], x + (long)i * inFeatures, rowsOfX + (long)i * stride, inFeatures);
            }
            bool panels = t >= PanelRows;
            Split(t, MaxRows, outFeatures, threads, (r0, r1) =>
            {
                for (int p = 0; p < parts.Count; p++)
                {
                    int from = Math.Max(r0, starts[p]), to = Math.Min(r1, starts[p + 1]);
                    if (from >= to) continue;
                    var part = parts[p];
                    int format = stack.PartFormat[p];
                    byte* rowsOfX = a + (long)stack.FormatOffsets[format] * t;
                    fixed (byte* data = part.Data)
                    {
                        bool paneled = stack.PanelFormat[p] >= 0 && t >= PanelRowsFor(part.Type);
                        if (paneled)
                        {
                            int whole = (to - from) / QuantPanels.Rows * QuantPanels.Rows, panelFormat = stack.PanelFormat[p];
                            fixed (byte* panel = ThreadScratch.Pinned(ref _quantPanel, QuantPanels.ScratchBytes(inFeatures), 16 * 1024))
                                QuantPanels.Multiply(part.Type, data + (from - starts[p]) * (long)part.RowBytes, part.RowBytes, whole,
                                    a + (long)stack.FormatOffsets[panelFormat] * t, stack.FormatBytes[panelFormat], inFeatures, t, y + from, outFeatures, panel);
                            from += whole;
                            if (from == to) continue;
                        }
                        // a range's rows short of a panel take the integer dots; the formats without panels widen
                        if (t >= WidenedRows && !paneled) WidenRows(part, data, from - starts[p], to - from, x, t, y + from, outFeatures);
                        else PartRows(part, data + (from - starts[p]) * (long)part.RowBytes, to - from, rowsOfX, stack.FormatBytes[format], t, y + from, outFeatures);
                    }
                }
            }, align: panels ? QuantPanels.Rows : 4);
        }
    }

    /// <summary>
    /// <paramref name="count"/> rows of one part from <paramref name="w"/> against the <paramref name="t"/> quantized rows
    /// of x, writing column j of y's rows for weight row j: four weight rows at a time, kept in L1 while every row of x
    /// passes over them. The 32-value formats take tiles of four weight rows by two to four rows of x
    /// (<see cref="QuantDot.DotTile4"/>: each block unpacked once per tile, each activation block read once for four
    /// weight rows; SmolLM2-135M Q4_K_M, ours against ours, alternating: batch 4 83–84 → 132–137 tokens/s). One row of x
    /// reads the weight rows one after another, front to back: four rows read side by side are four streams, which an
    /// AMD EPYC (Zen 4) core's prefetchers followed at half the rate of one (SmolLM3-3B Q6_K decode 7.2 → 13.5 tokens/s,
    /// Q8_0 6.2 → 9.4; docs/benchmarks.md).
    /// </summary>
    static void PartRows(PackedWeight part, byte* w, int count, byte* rowsOfX, int stride, int t, float* y, int yStride)
    {
        var type = part.Type;
        int columns = part.Columns;
        long rowBytes = part.RowBytes;
        if (t == 1)
        {
            QuantDot.DotRows(type, w, rowBytes, rowsOfX, columns, count, y);   // one run of rows, front to back
            return;
        }
        bool tiles = QuantDot.Tiles(type);
        bool pairs = columns / GgmlTypeInfo.BlockSize(type) >= SharedPairMinBlocks;
        for (int r = 0; r < count; r += 4, w += 4 * rowBytes)
        {
            int rows = Math.Min(4, count - r);
            bool tile = tiles && rows == 4;
            for (int i = 0; i < t;)
            {
                int left = t - i;
                int n = tile ? Math.Min(4, left) : left >= SharedBlockRows ? SharedBlockRows : left >= 2 && pairs ? left : 1;
                byte* xi = rowsOfX + (long)i * stride;
                float* yi = y + (long)i * yStride + r;
                if (n == 1) QuantDot.DotRows(type, w, rowBytes, xi, columns, rows, yi);
                else if (tile) QuantDot.DotTile4(type, w, rowBytes, xi, stride, columns, n, yi, yStride);
                else
                    for (int k = 0; k < rows; k++)
                    {
                        var dots = QuantDot.DotActivations(type, w + k * rowBytes, xi, stride, columns, n);
                        for (int j = 0; j < n; j++) yi[(long)j * yStride + k] = dots[j];
                    }
                i += n;
            }
        }
    }

    /// <summary>
    /// For the K formats: rows of x that share each weight block's unpacking (<see cref="QuantDot.DotActivations"/>); rows of x left over
    /// take the one-sequence pass each (<see cref="QuantDot.Dot"/> per weight row), the four rows' bytes still in cache for
    /// the next. Sharing among two or three rows was slower than four-weight-row passes on an Intel Xeon (SmolLM2-135M
    /// Q4_K_M, alternating: batch 2 70–90 → 79–101 tokens/s, batch 3 77–98 → 89–105).
    /// </summary>
    const int SharedBlockRows = 4;

    /// <summary>
    /// Two or three rows of x left over share each weight block's unpacking outside a tile (the K formats, and a 32-value
    /// part's last rows when fewer than four) when a weight row has at least this many blocks: the kernel
    /// alone was slower at 6 blocks and faster from 8 (Q4_K, one thread), and on an AMD EPYC (Zen 4) SmolLM3-3B batch 2
    /// (rows of 8 and 43 blocks) went from 16.0–16.4 to 17.7–18.1 tokens/s (Q4_K_M) and 14.1–14.3 to 16.9–17.1 (Q6_K),
    /// where SmolLM2-135M's 6-block rows gained nothing (docs/benchmarks.md).
    /// </summary>
    const int SharedPairMinBlocks = 8;

    /// <summary>
    /// Batched decode on packed weights: each thread decodes <see cref="WidenedChunk"/> of its rows at a time with the
    /// exact dequantizers into a buffer of its own (L1/L2-sized) and multiplies them by all t rows of x with
    /// <see cref="F32Rows"/>, so the result is exactly the dense GEMV's on the dequantized matrix.
    /// </summary>
    static void MultiplyWidened(PackedStack stack, float* x, float* y, int t, int threads)
    {
        var (parts, starts, outFeatures, inFeatures) = (stack.Parts, stack.Starts, stack.Rows, stack.Columns);
        Split(t, MaxRows, outFeatures, threads, (r0, r1) =>
        {
            for (int p = 0; p < parts.Count; p++)
            {
                int from = Math.Max(r0, starts[p]), to = Math.Min(r1, starts[p + 1]);
                if (from >= to) continue;
                fixed (byte* data = parts[p].Data)
                    WidenRows(parts[p], data, from - starts[p], to - from, x, t, y + from, outFeatures);
            }
        }, align: F32Rows.RowAlign(t));
    }

    /// <summary>
    /// <paramref name="count"/> rows of <paramref name="part"/> from row <paramref name="first"/> widened
    /// <see cref="WidenedChunk"/> at a time into the calling thread's buffer and multiplied by the t rows of x.
    /// </summary>
    static void WidenRows(PackedWeight part, byte* data, int first, int count, float* x, int t, float* y, int yStride)
    {
        int inFeatures = part.Columns, chunk = Math.Max(WidenedChunk, F32Rows.RowAlign(t));   // whole tiles of either shape
        fixed (float* rows = ThreadScratch.Pinned(ref _widened, chunk * inFeatures, 16 * 1024))
            for (int r = 0; r < count; r += chunk)
            {
                int n = Math.Min(chunk, count - r);
                Dequantizer.Dequantize(part.Type, new ReadOnlySpan<byte>(data + (long)(first + r) * part.RowBytes, checked((int)(n * part.RowBytes))),
                    new Span<float>(rows, n * inFeatures));
                F32Rows.Rows(rows, n, inFeatures, x, t, y + r, yStride);
            }
    }

    /// <summary>
    /// Whether a prompt's rows (more than <see cref="MaxRows"/>) multiply packed W here (<see cref="MultiplyPrompt"/>)
    /// rather than by tiles dequantized for libtorch's GEMM (<see cref="PackedMatmul"/>): on CPUs with AVX2 and no 512-bit
    /// vectors, where register tiles ran at the FMA units' rate and MKL's SGEMM at about two thirds of it (an AVX2-only
    /// EPYC: SmolLM3-3B Q4_K_M prompt of 128 16.7 → 24.5 tokens/s with <see cref="F32Rows"/>' tiles, 28.3–28.7 with
    /// <see cref="F32Panels"/>; SmolLM2-135M Q4_0 prompt of 512 393 → 491; docs/benchmarks.md). Dense F32 weights take
    /// the same panels there past <see cref="DenseStepRows"/> rows. CPUs with AVX-512 keep the GEMM (with BF16 tiles where they have AVX-512 BF16).
    /// </summary>
    public static bool TakesPrompts => !Vector512.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// A prompt's rows of x against packed W: sixteen weight rows at a time decoded with the exact dequantizers and
    /// transposed, a stretch of columns at a time, into a panel that every row of x passes over (<see cref="F32Panels"/>);
    /// a range's last rows short of a panel take <see cref="F32Rows"/>' tiles.
    /// </summary>
    public static void MultiplyPrompt(PackedStack stack, float* x, float* y, int t, int threads)
    {
        var (parts, starts, outFeatures, inFeatures) = (stack.Parts, stack.Starts, stack.Rows, stack.Columns);
        Split(t, int.MaxValue, outFeatures, threads, (r0, r1) =>
        {
            fixed (float* scratch = ThreadScratch.Pinned(ref _panels, PanelScratch(inFeatures), 16 * 1024))
                for (int p = 0; p < parts.Count; p++)
                {
                    int from = Math.Max(r0, starts[p]), to = Math.Min(r1, starts[p + 1]);
                    var part = parts[p];
                    fixed (byte* data = part.Data)
                        for (int r = from; r < to;)
                        {
                            int count = to - r >= F32Panels.Width ? F32Panels.Width : Math.Min(WidenedChunk, to - r);
                            float* rows = scratch + F32Panels.PanelFloats;
                            Dequantizer.Dequantize(part.Type, new ReadOnlySpan<byte>(data + (long)(r - starts[p]) * part.RowBytes, checked((int)(count * part.RowBytes))),
                                new Span<float>(rows, count * inFeatures));
                            if (count == F32Panels.Width) Panels(rows, t, inFeatures, x, y + r, outFeatures, scratch);
                            else F32Rows.Rows(rows, count, inFeatures, x, t, y + r, outFeatures);
                            r += count;
                        }
                }
        }, align: F32Panels.Width);
    }

    /// <summary>
    /// A prompt's rows of x against dense F32 W: as the packed prompt, W's rows transposed into panels as they are. Up to
    /// <see cref="DenseStepRows"/> rows (a batch's LM head, a short prompt piece) take the register tiles instead, which
    /// read each weight row once, prefetched, where a panel's packing waits on memory (SmolLM2-135M F32, the head of a
    /// batch of 12: 293 → 322 tokens/s, of 32: 319 → 335; docs/benchmarks.md).
    /// </summary>
    public static void MultiplyPrompt(float* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads)
    {
        if (t <= DenseStepRows) Multiply(w, x, y, t, outFeatures, inFeatures, threads);
        else MultiplyPanels(w, x, y, t, outFeatures, inFeatures, threads);
    }

    static void MultiplyPanels(float* w, float* x, float* y, int t, int outFeatures, int inFeatures, int threads) =>
        Split(t, int.MaxValue, outFeatures, threads, (r0, r1) =>
        {
            fixed (float* panel = ThreadScratch.Pinned(ref _panels, F32Panels.PanelFloats, 16 * 1024))
            {
                int r = r0;
                for (; r + F32Panels.Width <= r1; r += F32Panels.Width) Panels(w + (long)r * inFeatures, t, inFeatures, x, y + r, outFeatures, panel);
                if (r < r1) F32Rows.Rows(w + (long)r * inFeatures, r1 - r, inFeatures, x, t, y + r, outFeatures);
            }
        }, align: F32Panels.Width);

    /// <summary>Sixteen weight rows' outputs for every row of x, a stretch of their columns at a time through <paramref name="panel"/>.</summary>
    static void Panels(float* rows, int t, int inFeatures, float* x, float* y, int yStride, float* panel)
    {
        for (int k0 = 0; k0 < inFeatures; k0 += F32Panels.Stretch)
        {
            int count = Math.Min(F32Panels.Stretch, inFeatures - k0);
            F32Panels.Pack(rows + k0, inFeatures, count, panel);
            F32Panels.Multiply(panel, count, x + k0, inFeatures, t, y, yStride, accumulate: k0 > 0);
        }
    }

    /// <summary>Floats a thread's packed prompt needs: the panel, then sixteen decoded weight rows.</summary>
    static long PanelScratch(int inFeatures) => F32Panels.PanelFloats + (long)F32Panels.Width * inFeatures;

    [ThreadStatic] static float[]? _panels;

    /// <summary>Weight rows decoded per pass of <see cref="MultiplyWidened"/>: a few of the dense GEMV's four-row tiles (twelve where it takes three-row ones).</summary>
    const int WidenedChunk = 8;

    [ThreadStatic] static float[]? _widened;

    [ThreadStatic] static byte[]? _activations;

    [ThreadStatic] static byte[]? _quantPanel;

    /// <summary>
    /// Rows of x from which the nibble formats' quantized dots (Q8_0: <see cref="Q8_0PanelRows"/>) take panels of eight weight rows
    /// (<see cref="QuantPanels"/>) instead of four-row tiles: each panel's packing is paid once for all rows of x
    /// (SmolLM2-135M Q4_0, ours against ours, alternating: 16 sequences 271–320 tokens/s widened, 330–353 by panels;
    /// 32 332 → 384–387; once packing read the nibbles straight, 4 sequences 243–247 by tiles, 265–274 by panels, 3
    /// level at 220–228 and 2 at 168–183; Q4_K_M level at 2–4).
    /// </summary>
    public const int PanelRows = 4;

    /// <summary>
    /// Rows of x from which Q4_K takes panels (<see cref="QuantPanels"/>) instead of its four-row blocked dots (below
    /// <see cref="WidenedRows"/>) or widening (from it). SmolLM3-3B Q4_K_M, ours against ours, alternating, tokens/s
    /// dots against panels: 4 sequences 18.3–18.6 / 14.8, 6 level at 17.9–18.0, 8 17.9–18.9 / 20.0–20.3, 12 19.3–19.5 /
    /// 22.5–22.9 (with packing a group of 32 bytes at a time; before it, 8 sequences measured 19.0 by dots, 16.5 by panels).
    /// </summary>
    public const int KPanelRows = 8;

    /// <summary>
    /// Rows of x from which Q8_0 takes panels instead of four-row tiles: its 34-byte blocks are unpacked and transposed
    /// as ints (no nibble shortcut) and its products need a widening per chunk, so packing pays off later.
    /// SmolLM2-135M Q8_0, ours against ours, alternating, tokens/s tiles against panels: 4 sequences 215–219 / 174–175,
    /// 6 227–236 / 214–219, 8 267–278 / 257–262, 10 level at 250–268, 12 264–283 / 283–300.
    /// </summary>
    public const int Q8_0PanelRows = 10;

    /// <summary>Rows of x from which <paramref name="type"/>'s quantized dots take panels (where <see cref="QuantPanels.Takes"/>).</summary>
    public static int PanelRowsFor(GgmlType type) => type switch
    {
        GgmlType.Q8_0 => Q8_0PanelRows,
        GgmlType.Q4_K => KPanelRows,
        _ => PanelRows,
    };

    /// <summary>Runs <paramref name="rows"/> over contiguous ranges of output rows, one range per thread.</summary>
    /// <param name="align">Range boundaries fall on multiples of this (kernels that take rows four at a time).</param>
    static void Split(int t, int maxRows, int outFeatures, int threads, Action<int, int> rows, int align = 1)
    {
        if (t < 1 || t > maxRows) throw new ArgumentOutOfRangeException(nameof(t), $"t must be in 1..{maxRows}");
        int parts = Math.Max(1, Math.Min(threads, outFeatures / 64));
        if (parts == 1)
        {
            rows(0, outFeatures);
            return;
        }
        // Each part takes the next chunk until none is left, so a thread that starts late or runs slower (a busy sibling,
        // a worker waking) does less instead of keeping the others waiting at the end of the call. Chunks shrink as the
        // rows run out (a share of what is left, as OpenMP's guided schedule cuts them): long ones first, short ones at
        // the end, where a thread that finishes early waits on the last chunk another took (equal chunks left a
        // sixteenth of the call's rows to the last one).
        int minChunk = Math.Max(align, (MinChunkRows + align - 1) / align * align);
        var next = new StrongBox<int>(0);
        CpuWorkers.Run(parts, _ =>
        {
            for (int from = Volatile.Read(ref next.Value); from < outFeatures;)
            {
                int size = Math.Max(minChunk, (outFeatures - from) / (GuidedShare * parts) / align * align);
                int to = outFeatures - (from + size) < minChunk ? outFeatures : from + size;
                int seen = Interlocked.CompareExchange(ref next.Value, to, from);
                if (seen != from)
                {
                    from = seen;   // another thread took it: try again from where that one ended
                    continue;
                }
                rows(from, to);
                from = Volatile.Read(ref next.Value);
            }
        });
    }

    /// <summary>A chunk is the rows left over this many times the threads (and at least <see cref="MinChunkRows"/>).</summary>
    const int GuidedShare = 2;

    /// <summary>Fewest weight rows a chunk is cut to (rounded up to the kernel's alignment).</summary>
    const int MinChunkRows = 16;
}
