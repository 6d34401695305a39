using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;

namespace SmolLM3.Engine.Loading;

/// <summary>
/// One <c>.safetensors</c> file, memory-mapped: the header is parsed once and each tensor is copied
/// straight from the mapping into a torch tensor, so the file is never held in managed memory.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    readonly record struct Entry(string DType, long[] Shape, long Begin, long End);

    readonly MemoryMappedFile _map;
    readonly MemoryMappedViewAccessor _view;
    readonly byte* _base;
    readonly long _dataStart;
    readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public string Path { get; }
    public IEnumerable<string> Names => _entries.Keys;

    public SafetensorsFile(string path)
    {
        Path = path;
        long length = new FileInfo(path).Length;
        if (length < 8) throw new ModelFormatException($"{path}: truncated safetensors file ({length} bytes, no header)");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        try
        {
            long headerLen = *(long*)_base;
            if (headerLen <= 0 || headerLen > length - 8)
                throw new ModelFormatException($"{path}: header length {headerLen} does not fit in a {length}-byte file (truncated or not safetensors)");
            _dataStart = 8 + headerLen;
            ParseHeader(new ReadOnlySpan<byte>(_base + 8, checked((int)headerLen)), length - _dataStart);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    void ParseHeader(ReadOnlySpan<byte> json, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json.ToArray()); }
        catch (JsonException e) { throw new ModelFormatException($"{Path}: header is not valid JSON ({e.Message})", e); }
        using (doc)
        {
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") continue;
                var v = prop.Value;
                var dtype = v.GetProperty("dtype").GetString()!;
                var shape = v.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var offsets = v.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                    throw new ModelFormatException($"{Path}: tensor '{prop.Name}' has invalid data_offsets");
                if (offsets[1] > dataLength)
                    throw new ModelFormatException($"{Path}: tensor '{prop.Name}' ends at byte {offsets[1]} but the data section has {dataLength} bytes (truncated file)");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype, prop.Name);
                if (expected != offsets[1] - offsets[0])
                    throw new ModelFormatException($"{Path}: tensor '{prop.Name}' has {offsets[1] - offsets[0]} bytes, its shape and dtype need {expected}");
                _entries[prop.Name] = new Entry(dtype, shape, offsets[0], offsets[1]);
            }
        }
    }

    int ElementSize(string dtype, string name) => dtype switch
    {
        "F32" or "I32" => 4,
        "F16" or "BF16" => 2,
        "F64" or "I64" => 8,
        _ => throw new ModelFormatException($"{Path}: tensor '{name}' has unsupported dtype {dtype} (supported: F32, F16, BF16)"),
    };

    static torch.ScalarType ScalarType(string dtype, string name, string path) => dtype switch
    {
        "F32" => torch.ScalarType.Float32,
        "F16" => torch.ScalarType.Float16,
        "BF16" => torch.ScalarType.BFloat16,
        _ => throw new ModelFormatException($"{path}: tensor '{name}' has dtype {dtype}; model weights must be F32, F16 or BF16"),
    };

    public bool Contains(string name) => _entries.ContainsKey(name);

    public WeightInfo Info(string name)
    {
        var e = _entries[name];
        return new WeightInfo(name, e.Shape, e.DType, e.End - e.Begin);
    }

    /// <summary>A BF16 matrix's bytes, copied out of the mapping as they are stored; null for any other tensor.</summary>
    public PackedWeight? LoadBf16Matrix(string name)
    {
        if (!_entries.TryGetValue(name, out var e)) throw new ModelFormatException($"{Path}: tensor '{name}' not found");
        if (e.DType != "BF16" || e.Shape.Length != 2) return null;
        var bytes = new ReadOnlySpan<byte>(_base + _dataStart + e.Begin, checked((int)(e.End - e.Begin)));
        return PackedWeight.FromBlocks(Gguf.GgmlType.BF16, bytes, checked((int)e.Shape[0]), checked((int)e.Shape[1]));
    }

    /// <summary>Copies the tensor out of the mapping in its stored dtype, then converts.</summary>
    public torch.Tensor Load(string name, torch.ScalarType dtype, torch.Device device)
    {
        if (!_entries.TryGetValue(name, out var e)) throw new ModelFormatException($"{Path}: tensor '{name}' not found");
        var stored = ScalarType(e.DType, name, Path);
        var t = torch.empty(e.Shape, stored);
        // Tensor.bytes spans the CPU tensor's own storage, so this is the only copy.
        new ReadOnlySpan<byte>(_base + _dataStart + e.Begin, checked((int)(e.End - e.Begin))).CopyTo(t.bytes);
        if (stored == dtype && device.type == DeviceType.CPU) return t;
        using (t) return t.to(dtype, device);
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
