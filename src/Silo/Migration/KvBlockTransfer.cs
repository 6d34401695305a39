using SmolLM3.Engine.Model;

namespace SmolLM3.Silo.Migration;

/// <summary>One content-addressed KV block on its way to another silo: address, parent address, token ids, keys and values, and their SHA-256.</summary>
[GenerateSerializer, Immutable, Alias("smollm3.KvBlockTransfer")]
public sealed record KvBlockTransfer(
    [property: Id(0)] UInt128 Address,
    [property: Id(1)] UInt128 Parent,
    [property: Id(2)] int[] Ids,
    [property: Id(3)] byte[] Payload,
    [property: Id(4)] byte[] Checksum)
{
    public static KvBlockTransfer From(KvBlockRecord r) => new(r.Address.Address, r.Address.Parent, r.Address.Ids, r.Payload, r.Checksum);

    public KvBlockRecord ToRecord() => new(new KvBlockAddress(Address, Parent, Ids), Payload, Checksum);
}
