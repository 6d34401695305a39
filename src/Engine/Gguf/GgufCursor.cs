using System.Buffers.Binary;
using System.Text;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// Little-endian reads over the mapped file with a bounds check on every read, so a cut or corrupt
/// header ends in a <see cref="ModelFormatException"/> instead of an access violation.
/// </summary>
internal unsafe struct GgufCursor(byte* data, long length, string path)
{
    public long Position { get; private set; }
    public readonly long Remaining => length - Position;
    public readonly long Length => length;

    /// <summary>Fails unless <paramref name="count"/> more bytes exist; <paramref name="what"/> names them.</summary>
    public readonly void Require(long count, string what)
    {
        if (count < 0 || count > Remaining)
            throw new ModelFormatException(
                $"{path}: truncated GGUF header: {what} needs {(ulong)count} bytes at offset {Position}, but the file is {length} bytes");
    }

    ReadOnlySpan<byte> Take(int count, string what)
    {
        Require(count, what);
        var span = new ReadOnlySpan<byte>(data + Position, count);
        Position += count;
        return span;
    }

    public byte ReadByte(string what) => Take(1, what)[0];
    public ushort ReadUInt16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, what));
    public uint ReadUInt32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, what));
    public ulong ReadUInt64(string what) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, what));
    public float ReadSingle(string what) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, what));
    public double ReadDouble(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, what));

    /// <summary>Reads a count and checks that <paramref name="minBytesEach"/>·count bytes could follow, so absurd counts fail before any allocation.</summary>
    public long ReadCount(string what, long minBytesEach)
    {
        var count = ReadUInt64(what);
        if (count > (ulong)(Remaining / Math.Max(1, minBytesEach)))
            throw new ModelFormatException(
                $"{path}: truncated or corrupt GGUF header: {what} is {count}, but only {Remaining} bytes remain after offset {Position}");
        return (long)count;
    }

    /// <summary>A GGUF string: a uint64 byte length then UTF-8 bytes, no terminator.</summary>
    public string ReadString(string what)
    {
        var len = ReadCount($"length of {what}", 1);
        if (len > int.MaxValue)
            throw new ModelFormatException($"{path}: {what} is {len} bytes long, more than this reader supports");
        return Encoding.UTF8.GetString(Take((int)len, what));
    }
}
