using System.Buffers.Binary;
using System.Text.Json;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>
/// Just enough safetensors to read reference weights: an 8-byte little-endian header length, a JSON
/// header of {name: {dtype, shape, data_offsets}}, then the data. BF16 only (the fixtures' dtype).
/// </summary>
internal static class SafetensorsTestReader
{
    /// <summary>Reads a BF16 tensor from a sharded checkpoint folder (model.safetensors.index.json).</summary>
    public static (long[] Shape, float[] Values) ReadBf16(string folder, string name)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "model.safetensors.index.json")));
        var shard = index.RootElement.GetProperty("weight_map").GetProperty(name).GetString()!;
        return ReadFile(Path.Combine(folder, shard), name);
    }

    /// <summary>Reads a BF16 tensor from a single-file checkpoint folder (model.safetensors).</summary>
    public static (long[] Shape, float[] Values) ReadSingleFile(string folder, string name) =>
        ReadFile(Path.Combine(folder, "model.safetensors"), name);

    static (long[] Shape, float[] Values) ReadFile(string file, string name)
    {
        var bytes = File.ReadAllBytes(file);

        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var entry = header.RootElement.GetProperty(name);
        Assert.Equal("BF16", entry.GetProperty("dtype").GetString());
        var shape = entry.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();

        var data = bytes.AsSpan(8 + headerLength + (int)offsets[0], (int)(offsets[1] - offsets[0]));
        var values = new float[data.Length / 2];
        for (var i = 0; i < values.Length; i++)
            values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]) << 16);
        return (shape, values);
    }
}
