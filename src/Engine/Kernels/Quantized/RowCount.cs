namespace SmolLM3.Engine.Kernels.Quantized;

/// <summary>
/// How many rows of activations a blocked kernel takes at once, as a type so the JIT compiles each count apart and
/// drops the unused lanes' work (a batch of 2 or 6 leaves a remainder of 2, which four lanes would pay for twice).
/// </summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

internal struct TwoRows : IRowCount
{
    public static int Count => 2;
}

internal struct ThreeRows : IRowCount
{
    public static int Count => 3;
}

internal struct FourRows : IRowCount
{
    public static int Count => 4;
}

internal struct OneRow : IRowCount
{
    public static int Count => 1;
}
