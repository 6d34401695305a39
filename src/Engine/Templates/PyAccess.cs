namespace SmolLM3.Engine.Templates;

/// <summary>
/// <c>x.name</c> and <c>x[key]</c> as jinja2 resolves them: dot tries the Python attribute (a method) before
/// the item, subscript tries the item first; a miss is an <see cref="Undefined"/>, but touching Undefined fails.
/// </summary>
static class PyAccess
{
    // ImmutableSandboxedEnvironment refuses methods that mutate; jinja2 hands back an undefined that fails when used.
    static readonly HashSet<string> Mutators =
        ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem"];

    public static object? GetAttr(object? target, string name)
    {
        switch (target)
        {
            case Undefined u: throw u.Fail();
            case Namespace ns:
                return ns.Attributes.TryGetValue(name, out var v) ? v : Missing(target, name);
            case LoopContext loop: return loop.Get(name);
            case string s: return (object?)PyMethods.ForString(s, name) ?? Missing(target, name);
        }
        if (target is IReadOnlyDictionary<string, object?> or IReadOnlyList<object?> && Mutators.Contains(name))
            return new Undefined($"access to attribute '{name}' of '{PyOps.TypeName(target)}' object is unsafe.");
        switch (target)
        {
            case IReadOnlyDictionary<string, object?> d:
                return (object?)PyMethods.ForDict(d, name) ?? (d.TryGetValue(name, out var item) ? item : Missing(target, name));
            case IReadOnlyList<object?> list:
                return (object?)PyMethods.ForList(list, name) ?? Missing(target, name);
            default:
                return Missing(target, name);
        }
    }

    public static object? GetItem(object? target, object? key)
    {
        switch (target, key)
        {
            case (Undefined u, _): throw u.Fail();
            case (IReadOnlyDictionary<string, object?> d, string k) when d.TryGetValue(k, out var v): return v;
            case (IReadOnlyList<object?> list, long or bool):
                long i = key is bool b ? (b ? 1 : 0) : (long)key;
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : new Undefined($"'{PyOps.TypeName(target)} object' has no element {key}");
            case (string s, long idx):
                var chars = PyOps.Chars(s);
                if (idx < 0) idx += chars.Count;
                return idx >= 0 && idx < chars.Count ? chars[(int)idx] : new Undefined($"'str object' has no element {idx}");
            case (_, string name): return GetAttr(target, name);
            default: return new Undefined($"'{PyOps.TypeName(target)} object' has no element {PyFormat.Repr(key)}");
        }
    }

    /// <summary>
    /// jinja2's attribute paths for filters: "a.b.0" walks items, with digit parts as indexes. A non-null
    /// <paramref name="fallback"/> replaces an undefined result after every step, as jinja2's make_attrgetter does.
    /// </summary>
    public static object? GetPath(object? target, string path, object? fallback = null)
    {
        foreach (var part in path.Split('.'))
        {
            target = GetItem(target, long.TryParse(part, out var n) ? n : part);
            if (fallback is not null && target is Undefined) target = fallback;
        }
        return target;
    }

    static Undefined Missing(object? target, string name) => new($"'{PyOps.TypeName(target)} object' has no attribute '{name}'");
}
