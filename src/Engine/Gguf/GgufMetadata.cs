using System.Collections;
using System.Diagnostics.CodeAnalysis;
using SmolLM3.Engine.Loading;

namespace SmolLM3.Engine.Gguf;

/// <summary>
/// The header's key/value pairs. Scalars are boxed CLR values (uint, float, string, …); arrays are
/// typed CLR arrays (string[], int[], …; object[] for arrays of arrays). Integer getters accept any
/// integer type that fits, because converters disagree on uint32 vs int32 vs uint64.
/// </summary>
public sealed class GgufMetadata(IReadOnlyDictionary<string, object> values, string source)
    : IReadOnlyDictionary<string, object>
{
    public string GetString(string key) => TryGetString(key, out var s) ? s : throw Mismatch(key, "a string");
    public long GetInt64(string key) => TryGetInt64(key, out var v) ? v : throw Mismatch(key, "an integer");
    public int GetInt32(string key) => TryGetInt32(key, out var v) ? v : throw Mismatch(key, "a 32-bit integer");
    public uint GetUInt32(string key) => TryGetUInt32(key, out var v) ? v : throw Mismatch(key, "an unsigned 32-bit integer");
    public double GetDouble(string key) => TryGetDouble(key, out var v) ? v : throw Mismatch(key, "a number");
    public float GetFloat(string key) => (float)GetDouble(key);
    public bool GetBool(string key) => values.TryGetValue(key, out var v) && v is bool b ? b : throw Mismatch(key, "a bool");
    public T[] GetArray<T>(string key) => TryGetArray<T>(key, out var a) ? a : throw Mismatch(key, $"an array of {typeof(T).Name}");

    public bool TryGetString(string key, [NotNullWhen(true)] out string? value)
    {
        value = values.TryGetValue(key, out var v) ? v as string : null;
        return value is not null;
    }

    public bool TryGetInt64(string key, out long value)
    {
        value = 0;
        if (!values.TryGetValue(key, out var v)) return false;
        switch (v)
        {
            case byte or sbyte or ushort or short or uint or int or long:
                value = Convert.ToInt64(v);
                return true;
            case ulong u when u <= long.MaxValue:
                value = (long)u;
                return true;
            default:
                return false;
        }
    }

    public bool TryGetInt32(string key, out int value)
    {
        var ok = TryGetInt64(key, out var v) && v is >= int.MinValue and <= int.MaxValue;
        value = ok ? (int)v : 0;
        return ok;
    }

    public bool TryGetUInt32(string key, out uint value)
    {
        var ok = TryGetInt64(key, out var v) && v is >= 0 and <= uint.MaxValue;
        value = ok ? (uint)v : 0;
        return ok;
    }

    /// <summary>Float32, float64 or any integer, as double.</summary>
    public bool TryGetDouble(string key, out double value)
    {
        value = 0;
        if (!values.TryGetValue(key, out var v)) return false;
        switch (v)
        {
            case float f: value = f; return true;
            case double d: value = d; return true;
            default:
                var ok = TryGetInt64(key, out var i);
                value = i;
                return ok;
        }
    }

    public bool TryGetArray<T>(string key, [NotNullWhen(true)] out T[]? value)
    {
        value = values.TryGetValue(key, out var v) ? v as T[] : null;
        return value is not null;
    }

    // Missing and wrongly typed keys get distinct messages: the first is a model problem, the second a converter one.
    ModelFormatException Mismatch(string key, string expected) =>
        values.TryGetValue(key, out var v)
            ? new ModelFormatException($"{source}: GGUF key '{key}' is {v.GetType().Name} ({v}), expected {expected}")
            : new ModelFormatException($"{source}: required GGUF key '{key}' is missing");

    public object this[string key] => values.TryGetValue(key, out var v) ? v : throw Mismatch(key, "present");
    public IEnumerable<string> Keys => values.Keys;
    public IEnumerable<object> Values => values.Values;
    public int Count => values.Count;
    public bool ContainsKey(string key) => values.ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value) => values.TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => values.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
