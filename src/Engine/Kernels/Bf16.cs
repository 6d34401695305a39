using System.Runtime.Intrinsics;

namespace SmolLM3.Engine.Kernels;

/// <summary>bfloat16 is the top half of a float32: widening is a 16-bit shift, so it vectorizes cheaply.</summary>
public static unsafe class Bf16
{
    public static float ToFloat(ushort b) => BitConverter.Int32BitsToSingle(b << 16);

    /// <summary>float32 rounded to the nearest bfloat16 (ties to even, NaN kept quiet), as libtorch converts.</summary>
    public static ushort FromFloat(float f)
    {
        if (float.IsNaN(f)) return 0x7FC0;
        uint bits = BitConverter.SingleToUInt32Bits(f);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>Σ a[i]·b[i] with a in float32 and b in bfloat16.</summary>
    public static float Dot(float* a, ushort* b, int n)
    {
        int c = 0;
        float sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> s0 = Vector512<float>.Zero, s1 = Vector512<float>.Zero;
            for (; c + 32 <= n; c += 32)
            {
                var raw = Vector512.Load(b + c);
                s0 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c), Widen(Vector512.WidenLower(raw)), s0);
                s1 = Vector512.FusedMultiplyAdd(Vector512.Load(a + c + 16), Widen(Vector512.WidenUpper(raw)), s1);
            }
            sum = Vector512.Sum(s0 + s1);
        }
        else
        {
            var s0 = Vector256<float>.Zero;
            for (; c + 16 <= n; c += 16)
            {
                var raw = Vector256.Load(b + c);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c), Widen(Vector256.WidenLower(raw)), s0);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + c + 8), Widen(Vector256.WidenUpper(raw)), s0);
            }
            sum = Vector256.Sum(s0);
        }
        for (; c < n; c++) sum += a[c] * ToFloat(b[c]);
        return sum;
    }

    /// <summary>y += alpha · x with x in bfloat16.</summary>
    public static void Axpy(float alpha, ushort* x, float* y, int n)
    {
        int c = 0;
        var a = Vector256.Create(alpha);
        for (; c + 16 <= n; c += 16)
        {
            var raw = Vector256.Load(x + c);
            Vector256.FusedMultiplyAdd(a, Widen(Vector256.WidenLower(raw)), Vector256.Load(y + c)).Store(y + c);
            Vector256.FusedMultiplyAdd(a, Widen(Vector256.WidenUpper(raw)), Vector256.Load(y + c + 8)).Store(y + c + 8);
        }
        for (; c < n; c++) y[c] += alpha * ToFloat(x[c]);
    }

    /// <summary>dst[i] = src[i] widened to float32, for <paramref name="n"/> values (a cached row read back).</summary>
    public static void Widen(ushort* src, float* dst, int n)
    {
        int c = 0;
        for (; c + 16 <= n; c += 16)
        {
            var raw = Vector256.Load(src + c);
            Widen(Vector256.WidenLower(raw)).Store(dst + c);
            Widen(Vector256.WidenUpper(raw)).Store(dst + c + 8);
        }
        for (; c < n; c++) dst[c] = ToFloat(src[c]);
    }

    static Vector512<float> Widen(Vector512<uint> v) => Vector512.ShiftLeft(v, 16).AsSingle();
    static Vector256<float> Widen(Vector256<uint> v) => Vector256.ShiftLeft(v, 16).AsSingle();
}
