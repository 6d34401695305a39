using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// Converts ggml storage types to float32, value for value as llama.cpp's dequantize_row_* does
/// (same operation order in float32, no fused multiply-add), so results are bit-identical.
/// </summary>
public static class Dequantizer
{
    /// <summary>Decodes one block: <paramref name="block"/> holds BytesPerBlock bytes, <paramref name="values"/> BlockSize floats.</summary>
    internal delegate void BlockDecoder(ReadOnlySpan<byte> block, Span<float> values);

    static readonly Dictionary<GgmlType, BlockDecoder> Decoders = new()
    {
        [GgmlType.F32] = (b, y) => y[0] = BinaryPrimitives.ReadSingleLittleEndian(b),
        [GgmlType.F16] = (b, y) => y[0] = Half(b, 0),
        [GgmlType.BF16] = (b, y) => y[0] = BFloat16(b, 0),
        [GgmlType.Q4_0] = LegacyQuants.Q4_0,
        [GgmlType.Q4_1] = LegacyQuants.Q4_1,
        [GgmlType.Q5_0] = LegacyQuants.Q5_0,
        [GgmlType.Q5_1] = LegacyQuants.Q5_1,
        [GgmlType.Q8_0] = LegacyQuants.Q8_0,
        [GgmlType.Q2_K] = KQuants.Q2_K,
        [GgmlType.Q3_K] = KQuants.Q3_K,
        [GgmlType.Q4_K] = KQuants.Q4_K,
        [GgmlType.Q5_K] = KQuants.Q5_K,
        [GgmlType.Q6_K] = KQuants.Q6_K,
    };

    // the same, indexed by type number: the packed kernels decode a few blocks per call
    static readonly BlockDecoder?[] ByNumber = Enumerable.Range(0, (int)Decoders.Keys.Max() + 1)
        .Select(n => Decoders.GetValueOrDefault((GgmlType)n)).ToArray();

    // Values per parallel work item: big enough to amortise scheduling, a multiple of every block size.
    const int ChunkValues = 64 * GgmlTypeInfo.QK_K;

    public static bool Supports(GgmlType type) => Decoders.ContainsKey(type);

    /// <summary>The block decoder of <paramref name="type"/>, for kernels that decode a row a few blocks at a time.</summary>
    internal static BlockDecoder DecoderOf(GgmlType type) =>
        (uint)type < (uint)ByNumber.Length && ByNumber[(int)type] is { } decode ? decode : throw new NotSupportedException($"dequantizing ggml type {type} is not supported");

    /// <summary>
    /// Dequantizes <paramref name="dst"/>.Length values (a whole number of blocks) from <paramref name="src"/>.
    /// </summary>
    public static void Dequantize(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        var decode = DecoderOf(type);
        int block = GgmlTypeInfo.BlockSize(type), bytes = GgmlTypeInfo.BytesPerBlock(type);
        if (dst.Length % block != 0)
            throw new ArgumentException($"{dst.Length} values is not a whole number of {type} blocks of {block}", nameof(dst));
        var blocks = dst.Length / block;
        if (src.Length < (long)blocks * bytes)
            throw new ArgumentException($"{type}: {dst.Length} values need {(long)blocks * bytes} bytes, got {src.Length}", nameof(src));

        switch (type)
        {
            // Plain types: skip the per-value delegate call.
            case GgmlType.F32:
                MemoryMarshal.Cast<byte, float>(src[..(dst.Length * 4)]).CopyTo(dst);
                return;
            case GgmlType.F16:
                for (var i = 0; i < dst.Length; i++) dst[i] = Half(src, 2 * i);
                return;
            case GgmlType.BF16:
                unsafe
                {
                    fixed (byte* from = src)
                    fixed (float* to = dst)
                        Kernels.Bf16.Widen((ushort*)from, to, dst.Length);
                }
                return;
        }
        // Row loops (AVX2) for the types prefill tiles and batched decode meet most: one loop per run of blocks.
        bool legacyRows = LegacyRows.Handles(type), kRows = KRows.Handles(type);
        if (Avx2.IsSupported && (legacyRows || kRows))
        {
            unsafe
            {
                fixed (byte* from = src)
                fixed (float* to = dst)
                    if (legacyRows) LegacyRows.Dequantize(type, from, to, blocks);
                    else KRows.Dequantize(type, from, to, blocks);
            }
            return;
        }
        for (var i = 0; i < blocks; i++)
            decode(src.Slice(i * bytes, bytes), dst.Slice(i * block, block));
    }

    /// <summary>
    /// Dequantizes a whole tensor of <paramref name="values"/> values into memory at <paramref name="dst"/> (an array's or
    /// a tensor's), splitting large ones across cores.
    /// </summary>
    internal static unsafe void DequantizeParallel(GgmlType type, byte* src, float* dst, long values)
    {
        int block = GgmlTypeInfo.BlockSize(type), bytes = GgmlTypeInfo.BytesPerBlock(type);
        var chunks = (int)((values + ChunkValues - 1) / ChunkValues);
        nint srcAddress = (nint)src, dstAddress = (nint)dst;   // lambdas cannot capture pointers
        Parallel.For(0, chunks, c =>
        {
            var start = (long)c * ChunkValues;
            var count = (int)Math.Min(ChunkValues, values - start);
            var from = (byte*)srcAddress + start / block * bytes;
            var srcSpan = new ReadOnlySpan<byte>(from, (int)((long)count / block * bytes));
            Dequantize(type, srcSpan, new Span<float>((float*)dstAddress + start, count));
        });
    }

    /// <summary>
    /// An F16 value (block scales, F16 tensors): finite halves by the kernels' bit shift and exact multiply
    /// (<see cref="Kernels.Quantized.HalfBits"/>), which .NET's own conversion takes several times longer for; Inf and NaN by it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Half(ReadOnlySpan<byte> b, int offset) => Half(BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(offset, 2)));

    /// <summary>An F16's bits as float32: the integer path for finite values, .NET's conversion for Inf and NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Half(uint h) =>
        (h & 0x7C00) == 0x7C00 ? (float)BitConverter.UInt16BitsToHalf((ushort)h) : Kernels.Quantized.HalfBits.ToSingle(h);

    /// <summary>bfloat16 is the top half of a float32: shifting it back up is exact.</summary>
    internal static float BFloat16(ReadOnlySpan<byte> b, int offset) =>
        BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(offset, 2)) << 16);
}
