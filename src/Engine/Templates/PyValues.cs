using System.Globalization;

namespace SmolLM3.Engine.Templates;

/// <summary>
/// jinja2's default Undefined: falsy, renders as "", iterates as empty, equals only another Undefined.
/// Anything else (attribute access, arithmetic, calls) fails with <see cref="Hint"/>, as jinja2 does.
/// </summary>
sealed class Undefined
{
    public string Hint { get; }
    internal Undefined(string hint) => Hint = hint;

    internal TemplateException Fail() => new(Hint);
    public override string ToString() => "";
}

/// <summary>A read-only list with its own Python type; only how it prints (and tuple equality) differs.</summary>
abstract class PyListLike(IReadOnlyList<object?> items) : IReadOnlyList<object?>
{
    public IReadOnlyList<object?> Items => items;
    public object? this[int index] => items[index];
    public int Count => items.Count;
    public IEnumerator<object?> GetEnumerator() => items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A Python tuple: prints with parentheses (what <c>items()</c> yields).</summary>
sealed class PyTuple(IReadOnlyList<object?> items) : PyListLike(items);

/// <summary>What <c>range()</c> returns: prints as Python's <c>range(start, stop[, step])</c>.</summary>
sealed class PyRange(long start, long stop, long step, IReadOnlyList<object?> items) : PyListLike(items)
{
    public override string ToString() => step == 1
        ? string.Create(CultureInfo.InvariantCulture, $"range({start}, {stop})")
        : string.Create(CultureInfo.InvariantCulture, $"range({start}, {stop}, {step})");
}

/// <summary>dict.keys()/values()/items(): prints as Python's <c>dict_keys([...])</c> etc.</summary>
sealed class PyDictView(string kind, IReadOnlyList<object?> items) : PyListLike(items)
{
    public string Kind => kind;
}

/// <summary>jinja2's <c>namespace()</c>: the one mutable object, so loops can carry state outward.</summary>
sealed class Namespace
{
    public Dictionary<string, object?> Attributes { get; } = new();
}

/// <summary>Positional and keyword arguments of a call, filter or test.</summary>
public sealed class CallArgs(List<object?> positional, Dictionary<string, object?> named)
{
    public static readonly CallArgs Empty = new([], []);
    public List<object?> Positional { get; } = positional;
    public Dictionary<string, object?> Named { get; } = named;

    /// <summary>Python-style parameter binding: position <paramref name="index"/> or keyword <paramref name="name"/>.</summary>
    public object? Get(int index, string name, object? fallback = null) =>
        index >= 0 && index < Positional.Count ? Positional[index]
        : Named.TryGetValue(name, out var v) ? v : fallback;

    public bool Has(int index, string name) => (index >= 0 && index < Positional.Count) || Named.ContainsKey(name);
}

/// <summary>Something a template can call: globals, macros, bound string/dict methods.</summary>
public delegate object? TemplateFunction(CallArgs args);
