using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SmolLM3.Engine.Templates;

/// <summary>jinja2's built-in filters that chat templates use, plus Hugging Face's <c>tojson</c>.</summary>
static class TemplateFilters
{
    /// <summary>Known filter names, so an unknown one fails at parse time as in jinja2.</summary>
    public static readonly HashSet<string> Names =
        [
            "length", "count", "string", "safe", "e", "escape", "forceescape", "trim", "upper", "lower",
            "capitalize", "title", "replace", "join", "default", "d", "first", "last", "list", "int", "float",
            "abs", "tojson", "items", "attr", "select", "reject", "selectattr", "rejectattr", "map", "unique",
            "reverse", "sort", "min", "max", "sum", "indent", "wordcount", "center", "dictsort",
        ];

    public static object? Apply(string name, object? v, CallArgs a, int line) => name switch
    {
        "length" or "count" => PyOps.Length(v),
        "string" => PyFormat.Str(v),
        "safe" => PyFormat.Str(v),
        "e" or "escape" or "forceescape" => Escape(PyFormat.Str(v)),
        "trim" => PyMethods.Strip(PyFormat.Str(v), a.Get(0, "chars"), true, true),
        "upper" => PyFormat.Str(v).ToUpperInvariant(),
        "lower" => PyFormat.Str(v).ToLowerInvariant(),
        "capitalize" => PyMethods.Capitalize(PyFormat.Str(v)),
        "title" => Title(PyFormat.Str(v)),
        "replace" => PyMethods.Replace(PyFormat.Str(v), PyFormat.Str(a.Get(0, "old")), PyFormat.Str(a.Get(1, "new")),
            a.Get(2, "count") is long n ? (int)n : -1),
        "join" => string.Join(PyFormat.Str(a.Get(0, "d", "")),
            Items(v).Select(x => PyFormat.Str(a.Get(1, "attribute") is { } attr ? PyAccess.GetPath(x, PyFormat.Str(attr)) : x))),
        "default" or "d" => v is Undefined || (PyOps.Truthy(a.Get(1, "boolean", false)) && !PyOps.Truthy(v)) ? a.Get(0, "default_value", "") : v,
        "first" => Items(v) is { Count: > 0 } f ? f[0] : new Undefined("No first item, sequence was empty."),
        "last" => Items(v) is { Count: > 0 } l ? l[^1] : new Undefined("No last item, sequence was empty."),
        "list" => Items(v).ToList(),
        "int" => ToInt(v, a.Get(0, "default", 0L), a.Get(1, "base", 10L)),
        "float" => ToFloat(v, a.Get(0, "default", 0.0)),
        "abs" => v is double d ? Math.Abs(d) : PyOps.Compare(v, 0L) < 0 ? PyOps.Negate(v) : PyOps.Arithmetic("+", v, 0L),
        "tojson" => ToJson(v, a),
        "items" => v is Undefined ? new List<object?>()
            : v is IReadOnlyDictionary<string, object?> dict ? dict.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList()
            : throw new TemplateException($"line {line}: can only get item pairs from a mapping."),
        "attr" => PyAccess.GetAttr(v, PyFormat.Str(a.Get(0, "name"))),
        "select" => Select(v, a, line, byAttribute: false, keep: true),
        "reject" => Select(v, a, line, byAttribute: false, keep: false),
        "selectattr" => Select(v, a, line, byAttribute: true, keep: true),
        "rejectattr" => Select(v, a, line, byAttribute: true, keep: false),
        "map" => Map(v, a, line),
        "unique" => Unique(v, a),
        "reverse" => v is string s ? string.Concat(PyOps.Chars(s).AsEnumerable().Reverse()) : Items(v).Reverse().ToList(),
        "sort" => Sort(v, a),
        "min" => MinMax(v, a, sign: -1),
        "max" => MinMax(v, a, sign: 1),
        "sum" => Items(v).Select(x => a.Get(0, "attribute") is { } attr ? PyAccess.GetPath(x, PyFormat.Str(attr)) : x)
            .Aggregate(a.Get(1, "start", 0L), PyOps.Add),
        "indent" => Indent(PyFormat.Str(v), a.Get(0, "width", 4L), PyOps.Truthy(a.Get(1, "first", false)), PyOps.Truthy(a.Get(2, "blank", false))),
        "wordcount" => (long)Regex.Count(PyFormat.Str(v), @"\w+"),
        "center" => Center(PyFormat.Str(v), (int)(long)a.Get(0, "width", 80L)!),
        "dictsort" => DictSort(v, a, line),
        _ => throw new TemplateException($"line {line}: no filter named '{name}'"),
    };

    static IReadOnlyList<object?> Items(object? v) => PyOps.Iterate(v);

    // markupsafe's escaping.
    static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;")
        .Replace("\"", "&#34;").Replace("'", "&#39;");

    // jinja2's title (not str.title): capitalize each word, where words start after '-', whitespace or an opening bracket.
    static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool wordStart = true;
        foreach (char c in s)
        {
            bool delimiter = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
            sb.Append(delimiter ? c : wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = delimiter;
        }
        return sb.ToString();
    }

    static object? ToInt(object? v, object? fallback, object? numberBase)
    {
        switch (v)
        {
            case long or bool: return PyOps.Arithmetic("+", v, 0L);
            case double d: return double.IsFinite(d) ? (long)Math.Truncate(d) : fallback;
            case string s:
                var t = s.Trim().Replace("_", "");
                try
                {
                    int b = (int)(long)numberBase!;
                    bool neg = t.StartsWith('-');
                    var digits = t.TrimStart('+', '-');
                    if (b == 16 && digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) digits = digits[2..];
                    if (digits.Length > 0 && b == 10 && digits.All(char.IsAsciiDigit)) return long.Parse(t, CultureInfo.InvariantCulture);
                    if (digits.Length > 0 && b != 10) { long r = Convert.ToInt64(digits, b); return neg ? -r : r; }
                }
                catch (Exception e) when (e is FormatException or OverflowException or ArgumentException) { }
                return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && double.IsFinite(f) ? (long)Math.Truncate(f) : fallback;
            default: return fallback;
        }
    }

    static object? ToFloat(object? v, object? fallback) => v switch
    {
        long or bool or double => PyOps.AsDouble(v),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
        _ => fallback,
    };

    // Hugging Face: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) = json.dumps(...).
    static string ToJson(object? v, CallArgs a)
    {
        string? indent = a.Get(1, "indent") switch
        {
            null => null,
            long n => new string(' ', (int)Math.Max(0, n)),
            string s => s,
            var x => throw new TemplateException($"tojson: indent must be an int or a string, not {PyOps.TypeName(x)}"),
        };
        (string, string)? separators = a.Get(2, "separators") is IReadOnlyList<object?> { Count: 2 } sep
            ? (PyFormat.Str(sep[0]), PyFormat.Str(sep[1])) : null;
        return TemplateJson.Dumps(v, indent, PyOps.Truthy(a.Get(0, "ensure_ascii", false)), separators, PyOps.Truthy(a.Get(3, "sort_keys", false)));
    }

    // select/reject(test, *args) and selectattr/rejectattr(attr, test, *args); without a test, truthiness decides.
    static List<object?> Select(object? v, CallArgs a, int line, bool byAttribute, bool keep)
    {
        int skip = byAttribute ? 1 : 0;
        string? attr = byAttribute ? PyFormat.Str(a.Get(0, "attribute")) : null;
        string? test = a.Positional.Count > skip ? PyFormat.Str(a.Positional[skip]) : null;
        var testArgs = new CallArgs(a.Positional.Skip(skip + 1).ToList(), []);
        return Items(v).Where(item =>
        {
            var subject = attr is null ? item : PyAccess.GetPath(item, attr);
            bool ok = test is null ? PyOps.Truthy(subject) : TemplateTests.Apply(test, subject, testArgs, line);
            return ok == keep;
        }).ToList();
    }

    static List<object?> Map(object? v, CallArgs a, int line)
    {
        if (a.Named.TryGetValue("attribute", out var attr))
        {
            var fallback = a.Named.GetValueOrDefault("default");
            return Items(v).Select(x => PyAccess.GetPath(x, PyFormat.Str(attr), fallback)).ToList();
        }
        if (a.Positional.Count == 0) throw new TemplateException($"line {line}: map needs a filter name or attribute=");
        var filter = PyFormat.Str(a.Positional[0]);
        var rest = new CallArgs(a.Positional.Skip(1).ToList(), a.Named);
        return Items(v).Select(x => Apply(filter, x, rest, line)).ToList();
    }

    // Comparison key for sort/unique: strings fold case unless case_sensitive.
    static Func<object?, object?> Key(CallArgs a, int attrIndex, int caseIndex)
    {
        var attr = a.Get(attrIndex, "attribute") is { } at ? PyFormat.Str(at) : null;
        bool caseSensitive = PyOps.Truthy(a.Get(caseIndex, "case_sensitive", false));
        return x =>
        {
            var k = attr is null ? x : PyAccess.GetPath(x, attr);
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        };
    }

    static List<object?> Unique(object? v, CallArgs a)
    {
        var key = Key(a, 1, 0);
        var seen = new List<object?>();
        var result = new List<object?>();
        foreach (var item in Items(v))
        {
            var k = key(item);
            if (seen.Any(s => PyOps.Equals(s, k))) continue;
            seen.Add(k);
            result.Add(item);
        }
        return result;
    }

    // min/max(case_sensitive=False, attribute=None): the first item with the extreme key, as Python's min/max.
    static object? MinMax(object? v, CallArgs a, int sign)
    {
        var key = Key(a, 1, 0);
        var items = Items(v);
        if (items.Count == 0) return new Undefined("No aggregated item, sequence was empty.");
        var best = items[0];
        foreach (var item in items.Skip(1))
            if (Math.Sign(PyOps.Compare(key(item), key(best))) == sign) best = item;
        return best;
    }

    static List<object?> Sort(object? v, CallArgs a)
    {
        var key = Key(a, 2, 1);
        bool reverse = PyOps.Truthy(a.Get(0, "reverse", false));
        var keyed = Items(v).Select((x, i) => (Item: x, Key: key(x), Index: i)).ToList();
        // Stable, like Python's sort; reverse keeps equal items in their original order too.
        keyed.Sort((p, q) => { int c = PyOps.Compare(p.Key, q.Key); return c != 0 ? (reverse ? -c : c) : p.Index.CompareTo(q.Index); });
        return keyed.Select(p => p.Item).ToList();
    }

    // CPython's str.center: the odd space goes left only when both the margin and the width are odd.
    static string Center(string s, int width)
    {
        int margin = width - (int)PyOps.Length(s);
        if (margin <= 0) return s;
        int left = margin / 2 + (margin & width & 1);
        return new string(' ', left) + s + new string(' ', margin - left);
    }

    // dictsort(case_sensitive=False, by='key', reverse=False): (key, value) pairs in order.
    static List<object?> DictSort(object? v, CallArgs a, int line)
    {
        if (v is not IReadOnlyDictionary<string, object?> dict) throw new TemplateException($"line {line}: dictsort needs a mapping");
        int by = PyFormat.Str(a.Get(1, "by", "key")) switch
        {
            "key" => 0,
            "value" => 1,
            _ => throw new TemplateException($"line {line}: You can only sort by either 'key' or 'value'"),
        };
        var pairs = dict.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList();
        var sortArgs = new CallArgs([], new() { ["reverse"] = a.Get(2, "reverse", false), ["case_sensitive"] = a.Get(0, "case_sensitive", false), ["attribute"] = by.ToString(CultureInfo.InvariantCulture) });
        return Sort(pairs, sortArgs);
    }

    // jinja2 3.1's indent: appends "\n" before splitlines so a trailing newline keeps its (unindented) line.
    static string Indent(string s, object? width, bool first, bool blank)
    {
        string pad = width is string w ? w : new string(' ', (int)Math.Max(0, (long)width!));
        var lines = (s + "\n").Split('\n').SkipLast(1).ToList();
        string rv;
        if (blank) rv = string.Join("\n" + pad, lines);
        else
        {
            rv = lines[0];
            if (lines.Count > 1) rv += "\n" + string.Join("\n", lines.Skip(1).Select(l => l.Length > 0 ? pad + l : l));
        }
        return first ? pad + rv : rv;
    }
}
