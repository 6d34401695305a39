using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using static TorchSharp.torch;

namespace SmolLM3.Engine.Model;

/// <summary>The address of a full KV block: a hash of its parent block's address and its own token ids.</summary>
public delegate UInt128 KvBlockHasher(UInt128 parent, ReadOnlySpan<int> ids);

/// <summary>
/// Content addresses of full KV blocks: a chain that starts from what the keys and values depend on besides the
/// tokens (the model, the KV element type, the block size) and adds each block's token ids, so a block's address
/// stands for every token up to its end. SHA-256, cut to 128 bits; addresses find blocks, token ids confirm them.
/// </summary>
public static class KvBlockHash
{
    /// <summary>The parent of every sequence's first block.</summary>
    public static UInt128 Root(string model, KvFormat format, int blockTokens) =>
        Cut(SHA256.HashData(Encoding.UTF8.GetBytes($"{model}\n{format.Name}\n{blockTokens}")));

    /// <summary>The address of the block holding <paramref name="ids"/> after the block addressed <paramref name="parent"/>.</summary>
    public static UInt128 Chain(UInt128 parent, ReadOnlySpan<int> ids)
    {
        Span<byte> data = stackalloc byte[16 + ids.Length * sizeof(int)];
        BinaryPrimitives.WriteUInt128LittleEndian(data, parent);
        for (int i = 0; i < ids.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(data[(16 + i * sizeof(int))..], ids[i]);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(data, digest);
        return Cut(digest);
    }

    static UInt128 Cut(ReadOnlySpan<byte> digest) => BinaryPrimitives.ReadUInt128LittleEndian(digest[..16]);
}

/// <summary>A content-addressed block's address, the address of the block before it (the root for a first block), and its token ids.</summary>
public readonly record struct KvBlockAddress(UInt128 Address, UInt128 Parent, int[] Ids);
