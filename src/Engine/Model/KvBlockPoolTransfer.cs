using System.Security.Cryptography;

namespace SmolLM3.Engine.Model;

/// <summary>One content-addressed block as it travels between pools: its address, its keys and values, and their SHA-256.</summary>
public sealed record KvBlockRecord(KvBlockAddress Address, byte[] Payload, byte[] Checksum);

/// <summary>
/// Moving blocks between pools of the same model (another process): a pool exports the chain of blocks that holds a
/// token sequence's start, from memory or its spill tier, and another imports them as cached blocks, found by content
/// by the sequence's next turn. An import is checked before it is kept: the address must be the hash of the parent
/// and token ids, the payload must match its checksum and the pool's block size, and the parent must be known.
/// </summary>
public sealed partial class KvBlockPool
{
    /// <summary>
    /// The blocks holding whole blocks <paramref name="first"/> to first + <paramref name="count"/> of
    /// <paramref name="tokens"/>, in order, from memory or the spill tier, up to the first one this pool does not have.
    /// </summary>
    public List<KvBlockRecord> ExportPrefix(ReadOnlySpan<int> tokens, int first = 0, int count = int.MaxValue)
    {
        var records = new List<KvBlockRecord>();
        lock (_lock)
        {
            if (_prefixes is null) return records;
            var parent = _prefixes.Root;
            for (int i = 0; i < first && i < tokens.Length / BlockTokens; i++) parent = _prefixes.Hash(parent, tokens.Slice(i * BlockTokens, BlockTokens));
            for (int i = first; i < tokens.Length / BlockTokens && records.Count < count; i++)
            {
                var ids = tokens.Slice(i * BlockTokens, BlockTokens);
                var address = new KvBlockAddress(_prefixes.Hash(parent, ids), parent, ids.ToArray());
                byte[]? payload = null;
                int block = _prefixes.BlockOf(address.Address, parent, ids);
                if (block >= 0) payload = Export(block);
                else _spill?.TryRead(address.Address, parent, ids, SpillPayloadBytes, p => payload = p.ToArray());
                if (payload is null) break;
                records.Add(new KvBlockRecord(address, payload, SHA256.HashData(payload)));
                parent = address.Address;
            }
        }
        return records;
    }

    /// <summary>
    /// Keeps a block another pool exported, as a cached block (no reader; taken back like any other), or in the spill
    /// tier when no block is free. True when the pool now has it (also when it had it already); false when it does not
    /// check out (<paramref name="why"/> says how) or there is no room for it.
    /// </summary>
    public bool Import(KvBlockRecord record, out string? why)
    {
        why = null;
        var (address, parent, ids) = (record.Address.Address, record.Address.Parent, record.Address.Ids);
        lock (_lock)
        {
            if (_prefixes is null) return Refuse("this pool does not share prefixes", out why);
            if (ids.Length != BlockTokens || record.Payload.Length != SpillPayloadBytes)
                return Refuse($"a block of {ids.Length} tokens and {record.Payload.Length} bytes, not {BlockTokens} and {SpillPayloadBytes}", out why);
            if (_prefixes.Hash(parent, ids) != address) return Refuse("its address is not the hash of its parent and tokens", out why);
            if (!SHA256.HashData(record.Payload).AsSpan().SequenceEqual(record.Checksum)) return Refuse("its payload does not match its checksum", out why);
            if (_prefixes.BlockOf(address, parent, ids) >= 0 || _spill?.Contains(address) == true) return true;
            int parentBlock = parent == _prefixes.Root ? -1 : _prefixes.BlockOf(parent);
            var taken = new List<int>(1);
            if ((parentBlock >= 0 || parent == _prefixes.Root) && TakeLocked(1, taken))
            {
                Import(taken[0], record.Payload);
                int held = _prefixes.Register(parentBlock, ids, taken[0]);
                if (held != taken[0]) _free.Add(taken[0]);
                if (held >= 0)
                {
                    _prefixes.Release(held);
                    return true;
                }
            }
            if (_spill is { Fault: null } spill)
            {
                spill.Write(address, parent, ids, record.Payload);
                return spill.Contains(address);
            }
            return Refuse("no block is free and there is no spill tier", out why);
        }
    }

    static bool Refuse(string reason, out string? why)
    {
        why = reason;
        return false;
    }
}
