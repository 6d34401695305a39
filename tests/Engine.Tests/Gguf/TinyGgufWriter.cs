using System.Text;
using SmolLM3.Engine.Gguf;

namespace SmolLM3.Engine.Tests.Gguf;

/// <summary>
/// Writes small GGUF files for tests, following the spec independently of the reader: header,
/// typed metadata, tensor table, padding to the alignment, then tensor data.
/// </summary>
internal sealed class TinyGgufWriter
{
    readonly List<(string Key, Action<BinaryWriter> Write)> kvs = [];
    readonly List<(string Name, long[] Dims, uint TypeId, byte[] Data)> tensors = [];

    public uint Version { get; set; } = 3;
    public uint Alignment { get; set; } = 32;

    /// <summary>File offset of each tensor's type id field after <see cref="ToBytes"/>, for patching.</summary>
    public Dictionary<string, long> TypeIdOffsets { get; } = [];

    public TinyGgufWriter Add(string key, string value) => Kv(key, w => { w.Write((uint)GgufValueType.String); Str(w, value); });
    public TinyGgufWriter Add(string key, uint value) => Kv(key, w => { w.Write((uint)GgufValueType.UInt32); w.Write(value); });
    public TinyGgufWriter Add(string key, float value) => Kv(key, w => { w.Write((uint)GgufValueType.Float32); w.Write(value); });
    public TinyGgufWriter Add(string key, bool value) => Kv(key, w => { w.Write((uint)GgufValueType.Bool); w.Write(value); });
    public TinyGgufWriter Add(string key, string[] values) => Kv(key, w =>
    {
        w.Write((uint)GgufValueType.Array);
        w.Write((uint)GgufValueType.String);
        w.Write((ulong)values.Length);
        foreach (var v in values) Str(w, v);
    });
    public TinyGgufWriter Add(string key, int[] values) => Kv(key, w =>
    {
        w.Write((uint)GgufValueType.Array);
        w.Write((uint)GgufValueType.Int32);
        w.Write((ulong)values.Length);
        foreach (var v in values) w.Write(v);
    });

    /// <summary>An F32 tensor; <paramref name="dims"/> in GGUF order (fastest first).</summary>
    public TinyGgufWriter F32(string name, long[] dims, Func<int, float>? value = null)
    {
        var n = (int)dims.Aggregate(1L, (a, d) => a * d);
        var data = new byte[4 * n];
        for (var i = 0; i < n; i++) BitConverter.GetBytes(value?.Invoke(i) ?? 0f).CopyTo(data, 4 * i);
        return Raw(name, dims, (uint)GgmlType.F32, data);
    }

    public TinyGgufWriter Raw(string name, long[] dims, uint typeId, byte[] data)
    {
        tensors.Add((name, dims, typeId, data));
        return this;
    }

    TinyGgufWriter Kv(string key, Action<BinaryWriter> write)
    {
        kvs.Add((key, write));
        return this;
    }

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write("GGUF"u8);
        w.Write(Version);
        w.Write((ulong)tensors.Count);
        w.Write((ulong)kvs.Count);
        foreach (var (key, write) in kvs) { Str(w, key); write(w); }

        var offsets = new List<long>();
        long offset = 0;
        foreach (var (name, dims, typeId, data) in tensors)
        {
            Str(w, name);
            w.Write((uint)dims.Length);
            foreach (var d in dims) w.Write((ulong)d);
            TypeIdOffsets[name] = ms.Position;
            w.Write(typeId);
            w.Write((ulong)offset);
            offsets.Add(offset);
            offset = Pad(offset + data.Length);
        }
        Zeros(w, Pad(ms.Position) - ms.Position);
        var dataStart = ms.Position;
        for (var i = 0; i < tensors.Count; i++)
        {
            Zeros(w, dataStart + offsets[i] - ms.Position);
            w.Write(tensors[i].Data);
        }
        w.Flush();
        return ms.ToArray();
    }

    public string WriteTo(string path)
    {
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    long Pad(long n) => (n + Alignment - 1) / Alignment * Alignment;

    static void Zeros(BinaryWriter w, long count) => w.Write(new byte[count]);

    static void Str(BinaryWriter w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    /// <summary>
    /// A complete one-layer llama model (hidden 4, 2 heads, 1 KV head, ffn 8, vocab 6), all F32.
    /// <paramref name="skip"/> leaves a tensor out; <paramref name="dims"/> overrides a tensor's GGUF dims.
    /// </summary>
    public static TinyGgufWriter TinyLlama(string? skip = null, Dictionary<string, long[]>? dims = null)
    {
        var w = new TinyGgufWriter()
            .Add("general.architecture", "llama")
            .Add("llama.embedding_length", 4u)
            .Add("llama.block_count", 1u)
            .Add("llama.feed_forward_length", 8u)
            .Add("llama.attention.head_count", 2u)
            .Add("llama.attention.head_count_kv", 1u)
            .Add("llama.context_length", 16u)
            .Add("llama.rope.freq_base", 10000f)
            .Add("llama.attention.layer_norm_rms_epsilon", 1e-5f)
            .Add("tokenizer.ggml.tokens", ["a", "b", "c", "d", "e", "f"])
            .Add("tokenizer.ggml.eos_token_id", 2u);
        (string, long[])[] all =
        [
            ("token_embd.weight", [4, 6]), ("output_norm.weight", [4]), ("output.weight", [4, 6]),
            ("blk.0.attn_norm.weight", [4]), ("blk.0.attn_q.weight", [4, 4]), ("blk.0.attn_k.weight", [4, 2]),
            ("blk.0.attn_v.weight", [4, 2]), ("blk.0.attn_output.weight", [4, 4]), ("blk.0.ffn_norm.weight", [4]),
            ("blk.0.ffn_gate.weight", [4, 8]), ("blk.0.ffn_up.weight", [4, 8]), ("blk.0.ffn_down.weight", [8, 4]),
        ];
        foreach (var (name, d) in all)
            if (name != skip) w.F32(name, dims?.GetValueOrDefault(name) ?? d, i => i);
        return w;
    }
}
