using System.IO.MemoryMappedFiles;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// An open GGUF file. The file is memory-mapped read-only: the header is parsed in place and tensor
/// bytes are handed out as spans over the mapping, so nothing is copied until a tensor is dequantized.
/// </summary>
public sealed unsafe class GgufFile : IDisposable
{
    readonly MemoryMappedFile map;
    readonly MemoryMappedViewAccessor view;
    readonly Dictionary<string, GgufTensorInfo> byName;
    byte* data;

    public string Path { get; }
    public long Length { get; }
    public GgufHeader Header { get; }
    public uint Version => Header.Version;
    public uint Alignment => Header.Alignment;
    public long DataOffset => Header.DataOffset;

    /// <summary>All metadata, including <c>tokenizer.ggml.*</c> and <c>tokenizer.chat_template</c>.</summary>
    public GgufMetadata Metadata => Header.Metadata;

    public IReadOnlyList<GgufTensorInfo> Tensors => Header.Tensors;

    GgufFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        Path = path;
        this.map = map;
        this.view = view;
        Length = length;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref data);
        data += view.PointerOffset;
        try
        {
            Header = GgufReader.Read(data, length, path);
        }
        catch
        {
            Dispose();
            throw;
        }
        byName = Header.Tensors.ToDictionary(t => t.Name);
    }

    /// <exception cref="ModelFormatException">The file is not a readable GGUF v2/v3 file.</exception>
    public static GgufFile Open(string path)
    {
        var length = new FileInfo(path).Length;   // throws FileNotFoundException for a missing file
        // An empty file cannot be mapped; say what is wrong with it instead.
        if (length < 4)
            throw new ModelFormatException($"{path}: truncated file: {length} bytes is too short for a GGUF header");
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new GgufFile(path, map, view, length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public bool TryGetTensor(string name, out GgufTensorInfo tensor) => byName.TryGetValue(name, out tensor!);

    public GgufTensorInfo GetTensor(string name) =>
        byName.TryGetValue(name, out var t) ? t : throw new ModelFormatException($"{Path}: tensor '{name}' is missing");

    /// <summary>The tensor's stored bytes, straight from the mapping (valid until Dispose).</summary>
    public ReadOnlySpan<byte> GetTensorBytes(GgufTensorInfo tensor)
    {
        if (tensor.ByteSize > int.MaxValue)
            throw new ModelFormatException($"{Path}: tensor '{tensor.Name}' is {tensor.ByteSize} bytes, too large for one span");
        return new ReadOnlySpan<byte>(Pointer(tensor), (int)tensor.ByteSize);
    }

    /// <summary>Dequantizes a whole tensor to float32, row-major as stored (GGUF order, ne[0] fastest).</summary>
    public float[] DequantizeToFloat32(GgufTensorInfo tensor)
    {
        RequireDequantizable(tensor);
        if (tensor.ElementCount > Array.MaxLength)
            throw new ModelFormatException($"{Path}: tensor '{tensor.Name}' has {tensor.ElementCount} elements, too many for one array");
        var result = new float[tensor.ElementCount];
        fixed (float* to = result) Dequantizer.DequantizeParallel(tensor.Type, Pointer(tensor), to, result.LongLength);
        return result;
    }

    /// <summary>
    /// Dequantizes a whole tensor to float32 into <paramref name="destination"/> (its element count long, such as a
    /// tensor's own memory): a model's dense weights go straight to their tensors, with no array per weight for the GC.
    /// </summary>
    internal void DequantizeInto(GgufTensorInfo tensor, float* destination)
    {
        RequireDequantizable(tensor);
        Dequantizer.DequantizeParallel(tensor.Type, Pointer(tensor), destination, tensor.ElementCount);
    }

    void RequireDequantizable(GgufTensorInfo tensor)
    {
        if (!Dequantizer.Supports(tensor.Type))
            throw new ModelFormatException($"{Path}: tensor '{tensor.Name}' has type {tensor.Type}, which cannot be dequantized yet");
    }

    byte* Pointer(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(data == null, this);
        if (!byName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
            throw new ArgumentException($"tensor '{tensor.Name}' does not belong to {Path}", nameof(tensor));
        return data + tensor.FileOffset;
    }

    public void Dispose()
    {
        if (data != null)
        {
            data = null;
            view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        view.Dispose();
        map.Dispose();
    }
}
