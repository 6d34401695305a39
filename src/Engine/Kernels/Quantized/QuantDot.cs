using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// Dot products of one GGUF-packed weight row with one row of activations quantized to 8 bits per block, as
/// llama.cpp's CPU backend computes them: the weights' integers times the activations' integers summed exactly in
/// int32 per block, then scaled in float. A GEMV quantizes each row of x once (<see cref="QuantizeActivations"/>)
/// and calls <see cref="Dot"/> per weight row. AVX2 + FMA when the CPU has them, else a scalar loop with the same
/// integer sums. docs/numerics.md ("Quantized activations") states the error against float activations.
/// </summary>
public static unsafe class QuantDot
{
    /// <summary>True when the AVX2 kernels run (fixed for the process; the JIT folds the test away).</summary>
    public static bool UsesAvx2 => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and the K-quants Q2_K … Q6_K.</summary>
    public static bool Supports(GgmlType weightType) => weightType switch
    {
        GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q8_0 => true,
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => true,
        _ => false,
    };

    /// <summary>The activation layout paired with <paramref name="weightType"/>.</summary>
    public static ActivationFormat ActivationFormatFor(GgmlType weightType) => weightType switch
    {
        GgmlType.Q8_0 => ActivationFormat.Q8_0,
        // Q4_0 and Q5_0 as unsigned integers less 8 or 16: the −8·Σ q_x comes from the Q8_1 row's block sums
        GgmlType.Q5_0 or GgmlType.Q5_1 => ActivationFormat.Q8_1,
        GgmlType.Q4_0 or GgmlType.Q4_1 => ActivationFormat.Q8_1Paired,
        GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K => ActivationFormat.Q8_K,
        _ => throw Unsupported(weightType),
    };

    /// <summary>Bytes of one quantized activation row of <paramref name="columns"/> values.</summary>
    public static int ActivationBytes(GgmlType weightType, int columns)
    {
        var format = ActivationFormatFor(weightType);
        CheckColumns(weightType, columns);
        return ActivationRow.Bytes(format, columns);
    }

    /// <summary>Bytes of one activation row of <paramref name="columns"/> values in <paramref name="format"/>.</summary>
    public static int ActivationBytes(ActivationFormat format, int columns)
    {
        CheckColumns(format, columns);
        return ActivationRow.Bytes(format, columns);
    }

    /// <summary>Writes <paramref name="columns"/> floats at <paramref name="dst"/> in <paramref name="format"/> (<see cref="ActivationBytes(ActivationFormat, int)"/> bytes).</summary>
    public static void QuantizeActivations(ActivationFormat format, float* x, byte* dst, int columns)
    {
        CheckColumns(format, columns);
        ActivationQuantizer.Quantize(format, x, dst, columns, UsesAvx2);
    }

    static void CheckColumns(ActivationFormat format, int columns)
    {
        int block = ActivationRow.BlockSize(format);
        if (columns <= 0 || columns % block != 0)
            throw new ArgumentException($"{format} activations: a row must be a positive whole number of {block}-value blocks; got {columns} columns", nameof(columns));
    }

    /// <summary>Writes <see cref="ActivationBytes(GgmlType, int)"/> bytes at <paramref name="dst"/> from <paramref name="columns"/> floats.</summary>
    public static void QuantizeActivations(GgmlType weightType, float* x, byte* dst, int columns)
    {
        var format = ActivationFormatFor(weightType);
        CheckColumns(weightType, columns);
        ActivationQuantizer.Quantize(format, x, dst, columns, UsesAvx2);
    }

    /// <summary>
    /// Σ w·x over <paramref name="columns"/> values (a whole number of the type's blocks): <paramref name="weightRow"/>
    /// as stored in the GGUF file, <paramref name="activationRow"/> from <see cref="QuantizeActivations"/>. Neither
    /// needs any alignment.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(GgmlType weightType, byte* weightRow, byte* activationRow, int columns) =>
        Run(weightType, weightRow, activationRow, columns, UsesAvx2);

    /// <summary>
    /// <see cref="Dot"/> of <paramref name="rows"/> weight rows, <paramref name="stride"/> bytes apart, with one activation
    /// row, into y[0..rows): the rows read one after another (decode of one sequence), the same sums as <see cref="Dot"/>.
    /// </summary>
    public static void DotRows(GgmlType weightType, byte* weightRows, long stride, byte* activationRow, int columns, int rows, float* y)
    {
        if (!UsesAvx2)
        {
            for (int r = 0; r < rows; r++) y[r] = Dot(weightType, weightRows + r * stride, activationRow, columns);
            return;
        }
        int blocks = Blocks(weightType, columns, GgmlTypeInfo.BlockSize(weightType));
        switch (weightType)
        {
            case GgmlType.Q8_0: LegacyKernel<Q8_0Block>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q4_0: LegacyKernel<Q4_0Block>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q4_1: LegacyKernel<Q4_1Block>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q5_0: LegacyKernel<Q5_0Block>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q5_1: LegacyKernel<Q5_1Block>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q2_K: KKernel<Q2_KBlock>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q3_K: KKernel<Q3_KBlock>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q4_K: KKernel<Q4_KBlock>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q5_K: KKernel<Q5_KBlock>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            case GgmlType.Q6_K: KKernel<Q6_KBlock>.SimdRun(weightRows, stride, activationRow, blocks, rows, y); break;
            default: throw Unsupported(weightType);
        }
    }

    /// <summary>Whether <see cref="DotTile4"/> takes <paramref name="weightType"/> (the 32-value formats, with AVX2).</summary>
    public static bool Tiles(GgmlType weightType) => UsesAvx2 && weightType is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1;

    /// <summary>
    /// Four weight rows <paramref name="stride"/> bytes apart against <paramref name="rows"/> (2–4) activation rows <paramref name="aStride"/> bytes
    /// apart at once (batched decode; a type <see cref="Tiles"/> takes): row i's four dots to y + i·<paramref name="yStride"/>,
    /// each weight block unpacked once for every row of x and each activation block read once for the four weight rows.
    /// </summary>
    public static void DotTile4(GgmlType weightType, byte* weightRows, long stride, byte* activationRows, int aStride, int columns, int rows, float* y, int yStride)
    {
        if (!Tiles(weightType)) throw Unsupported(weightType);
        int blocks = Blocks(weightType, columns, GgmlTypeInfo.BlockSize(weightType));
        switch (rows)
        {
            case 2: Tile4<TwoRows>(weightType, weightRows, stride, activationRows, aStride, blocks, y, yStride); break;
            case 3: Tile4<ThreeRows>(weightType, weightRows, stride, activationRows, aStride, blocks, y, yStride); break;
            case 4: Tile4<FourRows>(weightType, weightRows, stride, activationRows, aStride, blocks, y, yStride); break;
            default: throw new ArgumentOutOfRangeException(nameof(rows), rows, "2 to 4 rows of activations");
        }
    }

    static void Tile4<TRows>(GgmlType type, byte* w, long stride, byte* a, int aStride, int blocks, float* y, int yStride) where TRows : struct, IRowCount
    {
        switch (type)
        {
            case GgmlType.Q8_0: LegacyKernel<Q8_0Block>.Tile4<TRows>(w, stride, a, aStride, blocks, y, yStride); break;
            case GgmlType.Q4_0: LegacyKernel<Q4_0Block>.Tile4<TRows>(w, stride, a, aStride, blocks, y, yStride); break;
            case GgmlType.Q4_1: LegacyKernel<Q4_1Block>.Tile4<TRows>(w, stride, a, aStride, blocks, y, yStride); break;
            case GgmlType.Q5_0: LegacyKernel<Q5_0Block>.Tile4<TRows>(w, stride, a, aStride, blocks, y, yStride); break;
            case GgmlType.Q5_1: LegacyKernel<Q5_1Block>.Tile4<TRows>(w, stride, a, aStride, blocks, y, yStride); break;
            default: throw Unsupported(type);
        }
    }

    /// <summary>
    /// <see cref="Dot"/> of one weight row with <paramref name="rows"/> (2 to 4) activation rows <paramref name="stride"/>
    /// bytes apart, lane i of the result for row i (batched decode): each weight block is unpacked once for all of them.
    /// </summary>
    public static Vector128<float> DotActivations(GgmlType weightType, byte* weightRow, byte* activationRows, int stride, int columns, int rows)
    {
        if (rows is < 2 or > 4) throw new ArgumentOutOfRangeException(nameof(rows), rows, "2 to 4 rows of activations");
        if (!UsesAvx2)
        {
            Span<float> dots = stackalloc float[4];
            for (int i = 0; i < rows; i++) dots[i] = Dot(weightType, weightRow, activationRows + i * stride, columns);
            return Vector128.Create(dots[0], dots[1], dots[2], dots[3]);
        }
        return rows switch
        {
            2 => RunRows<TwoRows>(weightType, weightRow, activationRows, stride, columns),
            3 => RunRows<ThreeRows>(weightType, weightRow, activationRows, stride, columns),
            _ => RunRows<FourRows>(weightType, weightRow, activationRows, stride, columns),
        };
    }

    static Vector128<float> RunRows<TRows>(GgmlType type, byte* w, byte* a, int stride, int columns) where TRows : struct, IRowCount
    {
        int blocks = Blocks(type, columns, GgmlTypeInfo.BlockSize(type));
        return type switch
        {
            GgmlType.Q8_0 => LegacyKernel<Q8_0Block>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q4_0 => LegacyKernel<Q4_0Block>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q4_1 => LegacyKernel<Q4_1Block>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q5_0 => LegacyKernel<Q5_0Block>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q5_1 => LegacyKernel<Q5_1Block>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q2_K => KKernel<Q2_KBlock>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q3_K => KKernel<Q3_KBlock>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q4_K => KKernel<Q4_KBlock>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q5_K => KKernel<Q5_KBlock>.SimdRows<TRows>(w, a, stride, blocks),
            GgmlType.Q6_K => KKernel<Q6_KBlock>.SimdRows<TRows>(w, a, stride, blocks),
            _ => throw Unsupported(type),
        };
    }

    internal static float DotAvx2(GgmlType weightType, byte* w, byte* a, int columns) => Run(weightType, w, a, columns, simd: true);

    internal static float DotScalar(GgmlType weightType, byte* w, byte* a, int columns) => Run(weightType, w, a, columns, simd: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static float Run(GgmlType type, byte* w, byte* a, int columns, bool simd) => type switch
    {
        GgmlType.Q8_0 => Legacy<Q8_0Block>(type, w, a, columns, simd),
        GgmlType.Q4_0 => Legacy<Q4_0Block>(type, w, a, columns, simd),
        GgmlType.Q4_1 => Legacy<Q4_1Block>(type, w, a, columns, simd),
        GgmlType.Q5_0 => Legacy<Q5_0Block>(type, w, a, columns, simd),
        GgmlType.Q5_1 => Legacy<Q5_1Block>(type, w, a, columns, simd),
        GgmlType.Q2_K => K<Q2_KBlock>(type, w, a, columns, simd),
        GgmlType.Q3_K => K<Q3_KBlock>(type, w, a, columns, simd),
        GgmlType.Q4_K => K<Q4_KBlock>(type, w, a, columns, simd),
        GgmlType.Q5_K => K<Q5_KBlock>(type, w, a, columns, simd),
        GgmlType.Q6_K => K<Q6_KBlock>(type, w, a, columns, simd),
        _ => throw Unsupported(type),
    };

    static float Legacy<T>(GgmlType type, byte* w, byte* a, int columns, bool simd) where T : struct, ILegacyBlock
    {
        int blocks = Blocks(type, columns, ActivationRow.LegacyBlock);
        return simd ? LegacyKernel<T>.Simd(w, a, blocks) : LegacyKernel<T>.Scalar(w, a, blocks);
    }

    static float K<T>(GgmlType type, byte* w, byte* a, int columns, bool simd) where T : struct, IKBlock
    {
        int blocks = Blocks(type, columns, ActivationRow.KBlock);
        return simd ? KKernel<T>.Simd(w, a, blocks) : KKernel<T>.Scalar(w, a, blocks);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Blocks(GgmlType type, int columns, int block) =>
        columns % block == 0 ? columns / block : throw NotWholeBlocks(type, columns);

    static void CheckColumns(GgmlType type, int columns)
    {
        if (columns <= 0 || columns % GgmlTypeInfo.BlockSize(type) != 0) throw NotWholeBlocks(type, columns);
    }

    static ArgumentException NotWholeBlocks(GgmlType type, int columns) =>
        new($"{type}: a row must be a positive whole number of {GgmlTypeInfo.BlockSize(type)}-value blocks; got {columns} columns", nameof(columns));

    static NotSupportedException Unsupported(GgmlType type) => new($"no quantized-activation dot for ggml type {type}");
}
