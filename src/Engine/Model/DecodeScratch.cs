using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Model;

/// <summary>
/// The buffers of one fused decode step (<see cref="DecoderLayer.Decode"/>), sized for its rows and reused by every layer:
/// pinned, so the kernels take their addresses without fixing them per call.
/// </summary>
internal sealed class DecodeScratch
{
    public readonly float[] Normed, Projected, Qkv, Queries, Attended, GateUp, Activated;

    /// <summary>Keys and values of the new positions as bfloat16 bits, for BF16 caches.</summary>
    public readonly ushort[] Keys16, Values16;

    /// <summary>Rows these buffers hold: a step of up to this many rows may use them.</summary>
    public int Rows { get; }

    public DecodeScratch(ModelConfig c, int rows)
    {
        Rows = rows;
        float[] F(long n) => GC.AllocateUninitializedArray<float>(checked((int)(n * rows)), pinned: true);
        Normed = F(c.HiddenSize);
        Projected = F(c.HiddenSize);
        Qkv = F((c.NumHeads + 2 * c.NumKvHeads) * c.HeadDim);
        Queries = F(c.QueryDim);
        Attended = F(c.QueryDim);
        GateUp = F(2L * c.IntermediateSize);
        Activated = F(c.IntermediateSize);
        Keys16 = GC.AllocateUninitializedArray<ushort>(c.KvDim * rows, pinned: true);
        Values16 = GC.AllocateUninitializedArray<ushort>(c.KvDim * rows, pinned: true);
    }
}
