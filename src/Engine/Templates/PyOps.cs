using System.Collections;
using System.Globalization;
using System.Text;

namespace SmolLM3.Engine.Templates;

/// <summary>Python semantics of the operators, truthiness, equality and iteration the evaluator needs.</summary>
static class PyOps
{
    public static bool Truthy(object? v) => v switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        IReadOnlyList<object?> list => list.Count > 0,
        IReadOnlyDictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python type names, used in error messages the way jinja2 words them.</summary>
    public static string TypeName(object? v) => v switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        PyTuple => "tuple",
        IReadOnlyList<object?> => "list",
        IReadOnlyDictionary<string, object?> => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        _ => v.GetType().Name,
    };

    // bool is an int subclass in Python, so True == 1 and True + 1 == 2.
    static bool IsNumber(object? v) => v is long or double or bool;
    static bool IsInt(object? v) => v is long or bool;
    static long AsLong(object? v) => v is bool b ? (b ? 1 : 0) : (long)v!;
    public static double AsDouble(object? v) => v switch { bool b => b ? 1 : 0, long l => l, double d => d, _ => throw new InvalidCastException() };

    public static new bool Equals(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
            return IsInt(a) && IsInt(b) ? AsLong(a) == AsLong(b) : AsDouble(a) == AsDouble(b);
        switch (a, b)
        {
            case (null, null): return true;
            case (Undefined, Undefined): return true;
            case (string x, string y): return x == y;
            case (PyTuple x, PyTuple y): return SequenceEquals(x, y);
            case (PyTuple, _) or (_, PyTuple): return false;
            case (IReadOnlyList<object?> x, IReadOnlyList<object?> y): return SequenceEquals(x, y);
            case (IReadOnlyDictionary<string, object?> x, IReadOnlyDictionary<string, object?> y):
                return x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v));
            default: return ReferenceEquals(a, b);
        }
    }

    static bool SequenceEquals(IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        if (x.Count != y.Count) return false;
        for (int i = 0; i < x.Count; i++) if (!Equals(x[i], y[i])) return false;
        return true;
    }

    /// <summary>Python ordering (&lt;): numbers, strings by code point, sequences lexicographically.</summary>
    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
            return IsInt(a) && IsInt(b) ? AsLong(a).CompareTo(AsLong(b)) : AsDouble(a).CompareTo(AsDouble(b));
        if (a is string x && b is string y) return string.CompareOrdinal(x, y);
        if (a is IReadOnlyList<object?> p && b is IReadOnlyList<object?> q)
        {
            for (int i = 0; i < Math.Min(p.Count, q.Count); i++)
                if (!Equals(p[i], q[i])) return Compare(p[i], q[i]);
            return p.Count.CompareTo(q.Count);
        }
        if (a is Undefined u) throw u.Fail();
        if (b is Undefined v) throw v.Fail();
        throw new TemplateException($"'<' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        string => throw new TemplateException($"'in <string>' requires string as left operand, not {TypeName(item)}"),
        IReadOnlyDictionary<string, object?> d => item is string k && d.ContainsKey(k),
        IReadOnlyList<object?> list => list.Any(x => Equals(x, item)),
        Undefined => false,
        _ => throw new TemplateException($"argument of type '{TypeName(container)}' is not iterable"),
    };

    /// <summary>What a for loop walks: list items, dict keys, string characters; Undefined is empty.</summary>
    public static IReadOnlyList<object?> Iterate(object? v) => v switch
    {
        IReadOnlyList<object?> list => list,
        IReadOnlyDictionary<string, object?> d => d.Keys.Cast<object?>().ToList(),
        string s => Chars(s).Cast<object?>().ToList(),
        Undefined => [],
        _ => throw new TemplateException($"'{TypeName(v)}' object is not iterable"),
    };

    /// <summary>A string as Python sees it: one element per code point, not per UTF-16 unit.</summary>
    public static List<string> Chars(string s)
    {
        var list = new List<string>(s.Length);
        foreach (var r in s.EnumerateRunes()) list.Add(r.ToString());
        return list;
    }

    public static long Length(object? v) => v switch
    {
        string s => s.EnumerateRunes().Count(),
        IReadOnlyList<object?> list => list.Count,
        IReadOnlyDictionary<string, object?> d => d.Count,
        Undefined => 0,
        _ => throw new TemplateException($"object of type '{TypeName(v)}' has no len()"),
    };

    public static object? Add(object? a, object? b)
    {
        if (IsInt(a) && IsInt(b)) return checked(AsLong(a) + AsLong(b));
        if (IsNumber(a) && IsNumber(b)) return AsDouble(a) + AsDouble(b);
        if (a is string x && b is string y) return x + y;
        if (a is PyTuple t && b is PyTuple u) return new PyTuple([.. t, .. u]);
        if (a is IReadOnlyList<object?> p && b is IReadOnlyList<object?> q && a is not PyTuple && b is not PyTuple)
            return new List<object?>([.. p, .. q]);
        throw OperandError("+", a, b);
    }

    public static object? Arithmetic(string op, object? a, object? b)
    {
        if (op == "+") return Add(a, b);
        if (op == "*")
        {
            if (a is string s && IsInt(b)) return Repeat(s, AsLong(b));
            if (IsInt(a) && b is string s2) return Repeat(s2, AsLong(a));
            if (a is IReadOnlyList<object?> l && IsInt(b)) return RepeatList(l, AsLong(b));
            if (IsInt(a) && b is IReadOnlyList<object?> l2) return RepeatList(l2, AsLong(a));
        }
        if (!IsNumber(a) || !IsNumber(b)) throw OperandError(op, a, b);
        bool ints = IsInt(a) && IsInt(b);
        switch (op)
        {
            case "-": return ints ? (object)checked(AsLong(a) - AsLong(b)) : AsDouble(a) - AsDouble(b);
            case "*": return ints ? (object)checked(AsLong(a) * AsLong(b)) : AsDouble(a) * AsDouble(b);
            case "/":
                if (AsDouble(b) == 0) throw new TemplateException("division by zero");
                return AsDouble(a) / AsDouble(b);
            case "//":
                if (AsDouble(b) == 0) throw new TemplateException("integer division or modulo by zero");
                if (ints) { long q = AsLong(a) / AsLong(b); if ((AsLong(a) % AsLong(b) != 0) && ((AsLong(a) < 0) != (AsLong(b) < 0))) q--; return q; }
                return Math.Floor(AsDouble(a) / AsDouble(b));
            case "%":
                if (AsDouble(b) == 0) throw new TemplateException("integer division or modulo by zero");
                if (ints) { long m = AsLong(a) % AsLong(b); if (m != 0 && (m < 0) != (AsLong(b) < 0)) m += AsLong(b); return m; }
                double r = AsDouble(a) % AsDouble(b);
                return r != 0 && (r < 0) != (AsDouble(b) < 0) ? r + AsDouble(b) : r;
            case "**":
                if (ints && AsLong(b) >= 0) { long acc = 1; for (long i = 0; i < AsLong(b); i++) acc = checked(acc * AsLong(a)); return acc; }
                return Math.Pow(AsDouble(a), AsDouble(b));
        }
        throw new TemplateException($"unknown operator {op}");
    }

    public static object? Negate(object? v) => v switch
    {
        bool or long => (object)(-AsLong(v)),
        double d => -d,
        Undefined u => throw u.Fail(),
        _ => throw new TemplateException($"bad operand type for unary -: '{TypeName(v)}'"),
    };

    static object RepeatList(IReadOnlyList<object?> list, long n)
    {
        var items = Enumerable.Repeat(list, (int)Math.Max(0, n)).SelectMany(x => x).ToList();
        return list is PyTuple ? new PyTuple(items) : items;
    }

    static string Repeat(string s, long n)
    {
        var sb = new StringBuilder();
        for (long i = 0; i < n; i++) sb.Append(s);
        return sb.ToString();
    }

    static TemplateException OperandError(string op, object? a, object? b)
    {
        if (a is Undefined u) return u.Fail();
        if (b is Undefined v) return v.Fail();
        if (op == "+" && a is string) return new TemplateException($"can only concatenate str (not \"{TypeName(b)}\") to str");
        return new TemplateException($"unsupported operand type(s) for {op}: '{TypeName(a)}' and '{TypeName(b)}'");
    }

    /// <summary>Python slicing a[start:stop:step] over lists, tuples and strings (by code point).</summary>
    public static object? Slice(object? target, long? start, long? stop, long? step)
    {
        long st = step ?? 1;
        if (st == 0) throw new TemplateException("slice step cannot be zero");
        IReadOnlyList<object?> items = target switch
        {
            string s => Chars(s).Cast<object?>().ToList(),
            IReadOnlyList<object?> l => l,
            Undefined u => throw u.Fail(),
            _ => throw new TemplateException($"'{TypeName(target)}' object is not subscriptable"),
        };
        long n = items.Count;
        long Clamp(long? v, long dflt, long lo, long hi)
        {
            if (v is null) return dflt;
            long x = v.Value < 0 ? v.Value + n : v.Value;
            return Math.Clamp(x, lo, hi);
        }
        var picked = new List<object?>();
        if (st > 0)
        {
            long a = Clamp(start, 0, 0, n), b = Clamp(stop, n, 0, n);
            for (long i = a; i < b; i += st) picked.Add(items[(int)i]);
        }
        else
        {
            long a = Clamp(start, n - 1, -1, n - 1), b = Clamp(stop, -1, -1, n - 1);
            for (long i = a; i > b; i += st) picked.Add(items[(int)i]);
        }
        return target switch
        {
            string => string.Concat(picked.Cast<string>()),
            PyTuple => new PyTuple(picked),
            _ => picked,
        };
    }

    /// <summary>Converts .NET numbers and collections a caller may pass into the value types the evaluator uses.</summary>
    public static object? Normalize(object? v) => v switch
    {
        null or string or bool or long or double or Undefined or Namespace or TemplateFunction or PyTuple => v,
        int or short or byte or sbyte or uint or ushort => Convert.ToInt64(v, CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : (double)u,
        float or decimal => Convert.ToDouble(v, CultureInfo.InvariantCulture),
        System.Text.Json.JsonElement e => TemplateJson.FromJson(e),
        IReadOnlyDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => Normalize(kv.Value)),
        IDictionary d => d.Keys.Cast<object>().ToDictionary(k => Convert.ToString(k, CultureInfo.InvariantCulture)!, k => Normalize(d[k])),
        IEnumerable e => e.Cast<object?>().Select(Normalize).ToList(),
        _ => v,
    };
}
