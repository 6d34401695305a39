using SmolLM3.Engine.Loading;
using TorchSharp;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>
/// Keys and values of one sequence, owned by the caller and passed to the model's forward pass, so
/// one model serves many sequences. Storage grows by doubling up to the model's context length.
/// </summary>
public sealed class KvCache : IDisposable
{
    // Per layer: (kv_heads, capacity, head_dim); the first Length positions are filled.
    readonly Tensor?[] _keys;
    readonly Tensor?[] _values;
    readonly int _kvHeads, _headDim;
    readonly ScalarType _dtype;
    readonly Device _device;

    public int Length { get; private set; }
    public int Capacity { get; private set; }
    public int MaxLength { get; }

    public KvCache(ModelConfig config, ScalarType dtype, Device device, int? maxLength = null)
    {
        _keys = new Tensor?[config.NumLayers];
        _values = new Tensor?[config.NumLayers];
        _kvHeads = config.NumKvHeads;
        _headDim = config.HeadDim;
        _dtype = dtype;
        _device = device;
        MaxLength = maxLength ?? config.MaxPositionEmbeddings;
    }

    /// <summary>Bytes currently reserved for keys and values.</summary>
    public long ReservedBytes => 2L * _keys.Length * _kvHeads * Capacity * _headDim * _dtype.ElementSize();

    internal void EnsureRoom(int extra)
    {
        int needed = Length + extra;
        if (needed > MaxLength)
            throw new ContextOverflowException(needed, MaxLength);
        if (needed <= Capacity) return;
        int capacity = Math.Min(MaxLength, Math.Max(needed, Math.Max(256, Capacity * 2)));
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l] = Grow(_keys[l], capacity);
            _values[l] = Grow(_values[l], capacity);
        }
        Capacity = capacity;
    }

    Tensor Grow(Tensor? old, int capacity)
    {
        var fresh = zeros([_kvHeads, capacity, _headDim], _dtype, _device).DetachFromDisposeScope();
        if (old is not null)
        {
            fresh.narrow(1, 0, Length).copy_(old.narrow(1, 0, Length));
            old.Dispose();
        }
        return fresh;
    }

    /// <summary>Writes (L, kv_heads, D) keys and values at the current length and returns views of all S = Length + L positions, each (kv_heads, S, D).</summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long l = k.shape[0];
        _keys[layer]!.narrow(1, Length, l).copy_(k.transpose(0, 1));
        _values[layer]!.narrow(1, Length, l).copy_(v.transpose(0, 1));
        return (_keys[layer]!.narrow(1, 0, Length + l), _values[layer]!.narrow(1, 0, Length + l));
    }

    internal void Advance(int tokens) => Length += tokens;

    /// <summary>The whole storage of one layer, each (kv_heads, <see cref="Capacity"/>, D).</summary>
    internal (Tensor Keys, Tensor Values) Storage(int layer) => (_keys[layer]!, _values[layer]!);

    /// <summary>Forgets everything after the first <paramref name="length"/> positions (e.g. to rewind a turn).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public void Dispose()
    {
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l]?.Dispose();
            _values[l]?.Dispose();
            _keys[l] = _values[l] = null;
        }
        Capacity = Length = 0;
    }
}

/// <summary>A sequence would grow past the model's context length.</summary>
public sealed class ContextOverflowException(int needed, int limit)
    : Exception($"sequence needs {needed} positions but the context holds {limit}")
{
    public int Needed { get; } = needed;
    public int Limit { get; } = limit;
}
