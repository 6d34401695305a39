namespace SmolLM3.Silo.Migration;

/// <summary>The silo named by the key taking KV blocks another silo sends it (a conversation moving over).</summary>
[Alias("smollm3.IKvReceiverGrain")]
public interface IKvReceiverGrain : IGrainWithStringKey
{
    /// <summary>
    /// Keeps <paramref name="blocks"/> (parents first) in this silo's pool or spill tier if they are for its model
    /// (<paramref name="root"/>: the pools' address root); returns how many it kept, stopping at the first it could not.
    /// </summary>
    Task<int> AcceptAsync(UInt128 root, KvBlockTransfer[] blocks);
}
