using System.Globalization;
using System.Text;

namespace SmolLM3.Engine.Templates;

/// <summary>The Python str/dict/list methods templates call, bound to their receiver; null when there is no such method.</summary>
static class PyMethods
{
    public static TemplateFunction? ForString(string s, string name) => name switch
    {
        "upper" => _ => s.ToUpperInvariant(),
        "lower" => _ => s.ToLowerInvariant(),
        "title" => _ => Title(s),
        "capitalize" => _ => Capitalize(s),
        "strip" => a => Strip(s, a.Get(0, "chars"), true, true),
        "lstrip" => a => Strip(s, a.Get(0, "chars"), true, false),
        "rstrip" => a => Strip(s, a.Get(0, "chars"), false, true),
        "startswith" => a => Affix(s, a.Get(0, "prefix"), (x, p) => x.StartsWith(p, StringComparison.Ordinal)),
        "endswith" => a => Affix(s, a.Get(0, "suffix"), (x, p) => x.EndsWith(p, StringComparison.Ordinal)),
        "split" => a => Split(s, a.Get(0, "sep") as string, ToInt(a.Get(1, "maxsplit", -1L))),
        "rsplit" => a => RSplit(s, a.Get(0, "sep") as string, ToInt(a.Get(1, "maxsplit", -1L))),
        "splitlines" => _ => s.Split('\n').Select(x => (object?)x.TrimEnd('\r')).SkipLast(s.EndsWith('\n') ? 1 : 0).ToList(),
        "replace" => a => Replace(s, Str(a.Get(0, "old")), Str(a.Get(1, "new")), ToInt(a.Get(2, "count", -1L))),
        "find" => a => CodePointIndex(s, s.IndexOf(Str(a.Get(0, "sub")), StringComparison.Ordinal)),
        "rfind" => a => CodePointIndex(s, s.LastIndexOf(Str(a.Get(0, "sub")), StringComparison.Ordinal)),
        "count" => a => Count(s, Str(a.Get(0, "sub"))),
        "join" => a => string.Join(s, PyOps.Iterate(a.Get(0, "iterable")).Select(x =>
            x as string ?? throw new TemplateException($"sequence item: expected str instance, {PyOps.TypeName(x)} found"))),
        "format" => a => Format(s, a),
        "isdigit" => _ => s.Length > 0 && s.All(char.IsDigit),
        "isalpha" => _ => s.Length > 0 && s.All(char.IsLetter),
        "isalnum" => _ => s.Length > 0 && s.All(char.IsLetterOrDigit),
        "isspace" => _ => s.Length > 0 && s.All(char.IsWhiteSpace),
        "isupper" => _ => IsUpper(s),
        "islower" => _ => IsLower(s),
        _ => null,
    };

    public static TemplateFunction? ForDict(IReadOnlyDictionary<string, object?> d, string name) => name switch
    {
        "items" => _ => new PyDictView("dict_items", d.Select(kv => (object?)new PyTuple([kv.Key, kv.Value])).ToList()),
        "keys" => _ => new PyDictView("dict_keys", d.Keys.Cast<object?>().ToList()),
        "values" => _ => new PyDictView("dict_values", d.Values.ToList()),
        "get" => a => a.Get(0, "key") is string k && d.TryGetValue(k, out var v) ? v : a.Get(1, "default"),
        _ => null,
    };

    public static TemplateFunction? ForList(IReadOnlyList<object?> list, string name) => name switch
    {
        "count" => a => (long)list.Count(x => PyOps.Equals(x, a.Get(0, "value"))),
        "index" => a =>
        {
            for (int i = 0; i < list.Count; i++) if (PyOps.Equals(list[i], a.Get(0, "value"))) return (long)i;
            throw new TemplateException($"{PyFormat.Repr(a.Get(0, "value"))} is not in list");
        },
        _ => null,
    };

    // Python: at least one cased character, and none of the other case.
    public static bool IsLower(string s) => s.Any(char.IsLower) && !s.Any(c => char.IsUpper(c) || char.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter);
    public static bool IsUpper(string s) => s.Any(char.IsUpper) && !s.Any(c => char.IsLower(c) || char.GetUnicodeCategory(c) == UnicodeCategory.TitlecaseLetter);

    static string Str(object? v) => v as string ?? throw new TemplateException($"expected a string argument, got {PyOps.TypeName(v)}");
    static int ToInt(object? v) => v switch { long l => (int)l, bool b => b ? 1 : 0, null => -1, _ => throw new TemplateException("expected an integer argument") };

    // Python's str.index results count code points, not UTF-16 units.
    static long CodePointIndex(string s, int charIndex) =>
        charIndex < 0 ? -1 : charIndex - s[..charIndex].Count(char.IsLowSurrogate);

    static bool Affix(string s, object? arg, Func<string, string, bool> test) => arg switch
    {
        string p => test(s, p),
        IReadOnlyList<object?> options => options.Any(o => test(s, Str(o))),
        _ => throw new TemplateException($"startswith/endswith first arg must be str or a tuple of str, not {PyOps.TypeName(arg)}"),
    };

    /// <summary>str.strip([chars]): without chars, Python whitespace; with chars, any of those code points.</summary>
    public static string Strip(string s, object? chars, bool left, bool right)
    {
        Func<string, bool> strip = chars switch
        {
            null => c => char.IsWhiteSpace(c, 0) || c[0] is '\x1c' or '\x1d' or '\x1e' or '\x1f',
            string set => c => set.Contains(c, StringComparison.Ordinal),
            _ => throw new TemplateException($"strip arg must be None or str, not {PyOps.TypeName(chars)}"),
        };
        var cps = PyOps.Chars(s);
        int a = 0, b = cps.Count;
        if (left) while (a < b && strip(cps[a])) a++;
        if (right) while (b > a && strip(cps[b - 1])) b--;
        return string.Concat(cps.Skip(a).Take(b - a));
    }

    static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is '\x1c' or '\x1d' or '\x1e' or '\x1f';

    /// <summary>str.split(sep=None, maxsplit=-1): no sep splits on whitespace runs and drops empties.</summary>
    public static List<object?> Split(string s, string? sep, int maxsplit)
    {
        var parts = new List<object?>();
        if (sep is null)
        {
            int i = 0;
            while (true)
            {
                while (i < s.Length && IsSpace(s[i])) i++;
                if (i >= s.Length) break;
                if (maxsplit >= 0 && parts.Count == maxsplit) { parts.Add(s[i..]); break; }
                int j = i;
                while (j < s.Length && !IsSpace(s[j])) j++;
                parts.Add(s[i..j]);
                i = j;
            }
            return parts;
        }
        if (sep.Length == 0) throw new TemplateException("empty separator");
        int start = 0;
        while (maxsplit < 0 || parts.Count < maxsplit)
        {
            int at = s.IndexOf(sep, start, StringComparison.Ordinal);
            if (at < 0) break;
            parts.Add(s[start..at]);
            start = at + sep.Length;
        }
        parts.Add(s[start..]);
        return parts;
    }

    // rsplit is split on the reversed string, pieces reversed back (surrogate pairs survive the double reversal).
    static List<object?> RSplit(string s, string? sep, int maxsplit)
    {
        static string Rev(string x) { var a = x.ToCharArray(); Array.Reverse(a); return new string(a); }
        var parts = Split(Rev(s), sep is null ? null : Rev(sep), maxsplit).Select(p => (object?)Rev((string)p!)).ToList();
        parts.Reverse();
        return parts;
    }

    public static string Replace(string s, string old, string replacement, int count)
    {
        if (count < 0) return old.Length == 0 ? InsertEverywhere(s, replacement, int.MaxValue) : s.Replace(old, replacement, StringComparison.Ordinal);
        if (old.Length == 0) return InsertEverywhere(s, replacement, count);
        var sb = new StringBuilder();
        int start = 0, done = 0;
        while (done < count)
        {
            int at = s.IndexOf(old, start, StringComparison.Ordinal);
            if (at < 0) break;
            sb.Append(s, start, at - start).Append(replacement);
            start = at + old.Length;
            done++;
        }
        return sb.Append(s, start, s.Length - start).ToString();
    }

    // Python: "ab".replace("", "-") == "-a-b-".
    static string InsertEverywhere(string s, string ins, int count)
    {
        var sb = new StringBuilder();
        var cps = PyOps.Chars(s);
        for (int i = 0; i <= cps.Count; i++)
        {
            if (i < count) sb.Append(ins);
            if (i < cps.Count) sb.Append(cps[i]);
        }
        return sb.ToString();
    }

    static long Count(string s, string sub)
    {
        if (sub.Length == 0) return PyOps.Length(s) + 1;
        long n = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    /// <summary>Python str.title: a letter is upper-cased after a non-letter, lower-cased after a letter.</summary>
    public static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool prevCased = false;
        foreach (char c in s)
        {
            bool cased = char.IsUpper(c) || char.IsLower(c);
            sb.Append(cased ? (prevCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) : c);
            prevCased = cased;
        }
        return sb.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    /// <summary>str.format with {}, {0} and {name} fields ({{ and }} escape); format specs are not supported.</summary>
    static string Format(string s, CallArgs a)
    {
        var sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '{' && i + 1 < s.Length && s[i + 1] == '{') { sb.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < s.Length && s[i + 1] == '}') { sb.Append('}'); i++; continue; }
            if (c != '{') { sb.Append(c); continue; }
            int end = s.IndexOf('}', i);
            if (end < 0) throw new TemplateException("Single '{' encountered in format string");
            string field = s[(i + 1)..end];
            if (field.Contains(':') || field.Contains('!')) throw new TemplateException("format specs are not supported");
            object? value = field.Length == 0 ? Positional(a, auto++)
                : int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? Positional(a, n)
                : a.Named.TryGetValue(field, out var named) ? named : throw new TemplateException($"KeyError: '{field}'");
            sb.Append(PyFormat.Str(value));
            i = end;
        }
        return sb.ToString();
    }

    static object? Positional(CallArgs a, int n) =>
        n < a.Positional.Count ? a.Positional[n] : throw new TemplateException("Replacement index out of range for positional args tuple");
}
