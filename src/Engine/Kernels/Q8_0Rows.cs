using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SmolLM3.Engine.Kernels;

/// <summary>
/// Float32 rows kept as llama.cpp's Q8_0 blocks, one after another: per run of 32 values an F16 scale
/// d = max|x| / 127, then 32 signed bytes q = round(x / d) (34 bytes). A row whose length is not a multiple
/// of 32 ends in a half block of 16 values (18 bytes), so head_dim-16 models cache in it too; rows of
/// other lengths are refused. The KV cache stores <c>q8_0</c> rows so, and attention reads them in place.
/// </summary>
public static unsafe class Q8_0Rows
{
    const int Block = Gguf.GgmlTypeInfo.QK, HalfBlock = Block / 2, ScaleBytes = sizeof(ushort);

    /// <summary>What <see cref="Fits"/> asks of a row's length, for error messages.</summary>
    public const string LengthRule = "a row is blocks of 32 values (the last may be 16), so its length must be a positive multiple of 16";

    /// <summary>Whether a row of <paramref name="n"/> values can be stored (a positive multiple of 16).</summary>
    public static bool Fits(int n) => n > 0 && n % HalfBlock == 0;

    /// <summary>Bytes of one row of <paramref name="n"/> values.</summary>
    public static int RowBytes(int n)
    {
        if (!Fits(n))
            throw new ArgumentException($"Q8_0: {LengthRule}; got {n}", nameof(n));
        return n / Block * (ScaleBytes + Block) + (n % Block == 0 ? 0 : ScaleBytes + HalfBlock);
    }

    /// <summary>
    /// Writes <paramref name="n"/> values as <see cref="RowBytes"/> bytes. Each block is quantized with its stored
    /// (F16-rounded) scale, so every value comes back within half a step of that scale.
    /// </summary>
    public static void Quantize(float* src, byte* dst, int n)
    {
        RowBytes(n);
        for (int c = 0; c < n;)
        {
            int len = Math.Min(Block, n - c);
            float amax = 0;
            for (int i = 0; i < len; i++) amax = MathF.Max(amax, MathF.Abs(src[c + i]));
            var d = (Half)(amax / 127);
            Unsafe.WriteUnaligned(dst, d);
            float scale = (float)d, id = scale != 0 ? 1 / scale : 0;
            sbyte* q = (sbyte*)(dst + ScaleBytes);
            for (int i = 0; i < len; i++) q[i] = (sbyte)Math.Clamp(MathF.Round(src[c + i] * id), -127, 127);
            dst += ScaleBytes + len;
            c += len;
        }
    }

    /// <summary>Reads a row of <paramref name="n"/> values back as float32: d × q.</summary>
    public static void Dequantize(byte* src, float* dst, int n)
    {
        RowBytes(n);
        for (int c = 0; c < n;)
        {
            int len = Math.Min(Block, n - c);
            float d = Scale(src);
            sbyte* q = (sbyte*)(src + ScaleBytes);
            if (Avx512F.IsSupported)
                for (int i = 0; i < len; i += HalfBlock) (Vector512.Create(d) * Widen16(q + i)).Store(dst + c + i);
            else if (Avx2.IsSupported)
                for (int i = 0; i < len; i += 8) (Vector256.Create(d) * Widen8(q + i)).Store(dst + c + i);
            else
                for (int i = 0; i < len; i++) dst[c + i] = d * q[i];
            src += ScaleBytes + len;
            c += len;
        }
    }

    /// <summary>Σ x[i] · row[i] over a row of <paramref name="n"/> values: the bytes are widened in registers, never copied out.</summary>
    public static float Dot(float* x, byte* row, int n)
    {
        if (Avx512F.IsSupported)
        {
            Vector512<float> acc0 = Vector512<float>.Zero, acc1 = Vector512<float>.Zero;
            for (int c = 0; c < n;)
            {
                var d = Vector512.Create(Scale(row));
                sbyte* q = (sbyte*)(row + ScaleBytes);
                acc0 = Vector512.FusedMultiplyAdd(d * Widen16(q), Vector512.Load(x + c), acc0);
                if (n - c < Block)
                    return Vector512.Sum(acc0 + acc1);
                acc1 = Vector512.FusedMultiplyAdd(d * Widen16(q + HalfBlock), Vector512.Load(x + c + HalfBlock), acc1);
                row += ScaleBytes + Block;
                c += Block;
            }
            return Vector512.Sum(acc0 + acc1);
        }
        if (Avx2.IsSupported)
        {
            var acc = Vector256<float>.Zero;
            for (int c = 0; c < n;)
            {
                int len = Math.Min(Block, n - c);
                var d = Vector256.Create(Scale(row));
                sbyte* q = (sbyte*)(row + ScaleBytes);
                for (int i = 0; i < len; i += 8) acc = Vector256.FusedMultiplyAdd(d * Widen8(q + i), Vector256.Load(x + c + i), acc);
                row += ScaleBytes + len;
                c += len;
            }
            return Vector256.Sum(acc);
        }
        float total = 0;
        for (int c = 0; c < n;)
        {
            int len = Math.Min(Block, n - c);
            sbyte* q = (sbyte*)(row + ScaleBytes);
            float s = 0;
            for (int i = 0; i < len; i++) s += q[i] * x[c + i];
            total += Scale(row) * s;
            row += ScaleBytes + len;
            c += len;
        }
        return total;
    }

    /// <summary>y[i] += alpha · row[i] over a row of <paramref name="n"/> values.</summary>
    public static void Axpy(float alpha, byte* row, float* y, int n)
    {
        for (int c = 0; c < n;)
        {
            int len = Math.Min(Block, n - c);
            float a = alpha * Scale(row);
            sbyte* q = (sbyte*)(row + ScaleBytes);
            if (Avx512F.IsSupported)
                for (int i = 0; i < len; i += HalfBlock)
                    Vector512.FusedMultiplyAdd(Vector512.Create(a), Widen16(q + i), Vector512.Load(y + c + i)).Store(y + c + i);
            else if (Avx2.IsSupported)
                for (int i = 0; i < len; i += 8)
                    Vector256.FusedMultiplyAdd(Vector256.Create(a), Widen8(q + i), Vector256.Load(y + c + i)).Store(y + c + i);
            else
                for (int i = 0; i < len; i++) y[c + i] += a * q[i];
            row += ScaleBytes + len;
            c += len;
        }
    }

    static float Scale(byte* block) => (float)Unsafe.ReadUnaligned<Half>(block);

    /// <summary>16 signed bytes widened to floats (AVX-512F).</summary>
    static Vector512<float> Widen16(sbyte* q) => Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load(q)));

    /// <summary>8 signed bytes widened to floats (AVX2).</summary>
    static Vector256<float> Widen8(sbyte* q) => Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(q));
}
