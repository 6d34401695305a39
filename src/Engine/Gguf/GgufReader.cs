using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// Parses a GGUF v2/v3 header from mapped memory: magic, version, metadata, tensor infos, alignment.
/// Every count and length is checked against the bytes left before anything is allocated.
/// </summary>
internal static unsafe class GgufReader
{
    const uint Magic = 0x46554747;          // "GGUF" read as a little-endian uint32
    const uint DefaultAlignment = 32;
    const int MaxDims = 4;                   // GGML_MAX_DIMS
    const long MinTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // name length, n_dims, one dim, type, offset
    const long MinKeyValueBytes = 8 + 4 + 1;           // key length, value type, smallest value

    public static GgufHeader Read(byte* data, long length, string path)
    {
        var cur = new GgufCursor(data, length, path);
        ReadMagic(ref cur, path);
        var version = ReadVersion(ref cur, path);
        var tensorCount = cur.ReadCount("tensor count", MinTensorInfoBytes);
        var kvCount = cur.ReadCount("metadata key/value count", MinKeyValueBytes);

        var values = new Dictionary<string, object>((int)Math.Min(kvCount, 1 << 16));
        for (long i = 0; i < kvCount; i++)
        {
            var key = cur.ReadString($"metadata key #{i}");
            var type = (GgufValueType)cur.ReadUInt32($"value type of '{key}'");
            if (!values.TryAdd(key, ReadValue(ref cur, type, key, path)))
                throw new ModelFormatException($"{path}: metadata key '{key}' appears twice");
        }
        var metadata = new GgufMetadata(values, path);
        var alignment = ReadAlignment(metadata, path);

        var infos = new List<(string Name, long[] Dims, GgmlType Type, long Offset)>();
        for (long i = 0; i < tensorCount; i++)
            infos.Add(ReadTensorInfo(ref cur, i, path));

        // Tensor data starts at the first aligned offset after the tensor table.
        var dataOffset = AlignUp(cur.Position, alignment);
        var tensors = new List<GgufTensorInfo>(infos.Count);
        var names = new HashSet<string>();
        foreach (var (name, dims, type, offset) in infos)
        {
            if (!names.Add(name)) throw new ModelFormatException($"{path}: tensor '{name}' appears twice");
            if (offset % alignment != 0)
                throw new ModelFormatException($"{path}: tensor '{name}' offset {offset} is not a multiple of the alignment {alignment}");
            var tensor = new GgufTensorInfo(name, dims, type, dataOffset + offset);
            var end = (ulong)dataOffset + (ulong)offset + (ulong)tensor.ByteSize;
            if (end > (ulong)length)
                throw new ModelFormatException(
                    $"{path}: truncated file: tensor '{name}' data [{dataOffset + offset}, {end}) extends past the end of the file ({length} bytes)");
            tensors.Add(tensor);
        }
        return new GgufHeader(version, metadata, tensors, alignment, dataOffset);
    }

    static void ReadMagic(ref GgufCursor cur, string path)
    {
        if (cur.Length < 4)
            throw new ModelFormatException($"{path}: truncated file: {cur.Length} bytes is too short for a GGUF header");
        var magic = cur.ReadUInt32("magic");
        if (magic == Magic) return;
        var bytes = BitConverter.GetBytes(magic);
        var shown = string.Concat(bytes.Select(b => b is >= 32 and < 127 ? ((char)b).ToString() : $"\\x{b:X2}"));
        throw new ModelFormatException($"{path}: not a GGUF file: bad magic '{shown}' (0x{magic:X8}), expected 'GGUF'");
    }

    static uint ReadVersion(ref GgufCursor cur, string path)
    {
        var version = cur.ReadUInt32("version");
        if (version is 2 or 3) return version;
        // A byte-swapped small number means a big-endian GGUF (made for s390x): a different format in practice.
        var swapped = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(version);
        var hint = swapped is 2 or 3 ? " (this looks like a big-endian GGUF, which is not supported)"
            : version == 1 ? " (GGUF v1 used 32-bit counts; re-convert the model)" : "";
        throw new ModelFormatException($"{path}: unsupported GGUF version {version}{hint}; supported versions are 2 and 3");
    }

    static uint ReadAlignment(GgufMetadata metadata, string path)
    {
        if (!metadata.ContainsKey("general.alignment")) return DefaultAlignment;
        var alignment = metadata.GetUInt32("general.alignment");
        if (alignment == 0 || (alignment & (alignment - 1)) != 0)
            throw new ModelFormatException($"{path}: general.alignment is {alignment}, expected a power of two");
        return alignment;
    }

    static (string, long[], GgmlType, long) ReadTensorInfo(ref GgufCursor cur, long index, string path)
    {
        var name = cur.ReadString($"name of tensor #{index}");
        var nDims = cur.ReadUInt32($"dimension count of tensor '{name}'");
        if (nDims is 0 or > MaxDims)
            throw new ModelFormatException($"{path}: tensor '{name}' has {nDims} dimensions; GGUF allows 1 to {MaxDims}");
        var dims = new long[nDims];
        var elements = 1L;
        for (var d = 0; d < nDims; d++)
        {
            var dim = cur.ReadUInt64($"dimension {d} of tensor '{name}'");
            // No tensor can hold more elements than the file has bits: catches overflowing products early.
            if (dim == 0 || dim > (ulong)cur.Length * 8 || (elements *= (long)dim) > cur.Length * 8)
                throw new ModelFormatException($"{path}: tensor '{name}' has an impossible dimension {d} of {dim} for a {cur.Length}-byte file");
            dims[d] = (long)dim;
        }
        var typeId = cur.ReadUInt32($"type of tensor '{name}'");
        var type = (GgmlType)typeId;
        if (!Enum.IsDefined(type))
            throw new ModelFormatException($"{path}: tensor '{name}' has unknown ggml type id {typeId}");
        if (!GgmlTypeInfo.HasKnownLayout(type))
            throw new ModelFormatException($"{path}: tensor '{name}' has ggml type {type} (id {typeId}), which this reader does not support");
        if (dims[0] % GgmlTypeInfo.BlockSize(type) != 0)
            throw new ModelFormatException(
                $"{path}: tensor '{name}' row length {dims[0]} is not a multiple of the {type} block size {GgmlTypeInfo.BlockSize(type)}");
        var offset = cur.ReadUInt64($"data offset of tensor '{name}'");
        if (offset > (ulong)cur.Length)
            throw new ModelFormatException($"{path}: truncated file: tensor '{name}' data at offset {offset} extends past the end of the file ({cur.Length} bytes)");
        return (name, dims, type, (long)offset);
    }

    static object ReadValue(ref GgufCursor cur, GgufValueType type, string key, string path) => type switch
    {
        GgufValueType.UInt8 => cur.ReadByte(key),
        GgufValueType.Int8 => (sbyte)cur.ReadByte(key),
        GgufValueType.UInt16 => cur.ReadUInt16(key),
        GgufValueType.Int16 => (short)cur.ReadUInt16(key),
        GgufValueType.UInt32 => cur.ReadUInt32(key),
        GgufValueType.Int32 => (int)cur.ReadUInt32(key),
        GgufValueType.Float32 => cur.ReadSingle(key),
        GgufValueType.Bool => cur.ReadByte(key) != 0,
        GgufValueType.String => cur.ReadString(key),
        GgufValueType.UInt64 => cur.ReadUInt64(key),
        GgufValueType.Int64 => (long)cur.ReadUInt64(key),
        GgufValueType.Float64 => cur.ReadDouble(key),
        GgufValueType.Array => ReadArray(ref cur, key, path),
        _ => throw new ModelFormatException($"{path}: metadata key '{key}' has unknown value type {(uint)type}"),
    };

    static Array ReadArray(ref GgufCursor cur, string key, string path)
    {
        var elemType = (GgufValueType)cur.ReadUInt32($"element type of '{key}'");
        var count = (int)Math.Min(int.MaxValue, cur.ReadCount($"element count of '{key}'", MinBytes(elemType)));
        Array array = elemType switch
        {
            GgufValueType.UInt8 => new byte[count],
            GgufValueType.Int8 => new sbyte[count],
            GgufValueType.UInt16 => new ushort[count],
            GgufValueType.Int16 => new short[count],
            GgufValueType.UInt32 => new uint[count],
            GgufValueType.Int32 => new int[count],
            GgufValueType.Float32 => new float[count],
            GgufValueType.Bool => new bool[count],
            GgufValueType.String => new string[count],
            GgufValueType.UInt64 => new ulong[count],
            GgufValueType.Int64 => new long[count],
            GgufValueType.Float64 => new double[count],
            GgufValueType.Array => new object[count],
            _ => throw new ModelFormatException($"{path}: metadata array '{key}' has unknown element type {(uint)elemType}"),
        };
        for (var i = 0; i < count; i++)
            array.SetValue(ReadValue(ref cur, elemType, key, path), i);
        return array;
    }

    // Smallest encoding of one element: bounds the element count by the bytes left.
    static long MinBytes(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.Array => 12,
        _ => 8,
    };

    static long AlignUp(long offset, uint alignment) => (offset + alignment - 1) / alignment * alignment;
}
