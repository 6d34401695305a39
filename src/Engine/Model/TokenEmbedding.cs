using SmolLM3.Engine.Loading;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// The token embedding table (vocab, hidden): dense, or packed as the GGUF stores it, in which case a lookup
/// dequantizes only the rows it reads and a tied LM head multiplies by the packed table itself.
/// </summary>
public sealed class TokenEmbedding : IDisposable
{
    readonly Tensor? _dense;
    readonly PackedWeight? _packed;
    readonly ScalarType _dtype;

    public TokenEmbedding(Tensor dense) => (_dense, _dtype) = (dense, dense.dtype);

    /// <param name="dtype">What lookups return (the model's compute type).</param>
    public TokenEmbedding(PackedWeight packed, ScalarType dtype) => (_packed, _dtype) = (packed, dtype);

    public bool IsPacked => _packed is not null;

    /// <summary>(T) ids → (T, hidden) rows in the compute type on <paramref name="device"/>.</summary>
    public unsafe Tensor Lookup(long[] ids, Device device)
    {
        if (_dense is not null) return _dense.index_select(0, tensor(ids, device: device));
        var rows = empty([ids.Length, _packed!.Columns], ScalarType.Float32);
        float* values = Kernels.TensorPointers.Float(rows);
        for (int i = 0; i < ids.Length; i++)
        {
            if ((ulong)ids[i] >= (ulong)_packed.Rows) throw new ArgumentOutOfRangeException(nameof(ids), $"token id {ids[i]} is outside 0..{_packed.Rows - 1}");
            // each row decoded straight into the tensor's storage
            _packed.DequantizeRows((int)ids[i], 1, new Span<float>(values + (long)i * _packed.Columns, _packed.Columns));
        }
        return _dtype == ScalarType.Float32 ? rows : rows.to(_dtype);
    }

    /// <summary>The LM head of a model whose head is tied to this table (it shares the storage).</summary>
    public Linear AsTiedHead(PackedMath math = PackedMath.QuantizedActivations) => _dense is not null ? new Linear(_dense) : new Linear(math, _packed!);

    public void Dispose() => _dense?.Dispose();
}
