using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SmolLM3.Engine.Templates;

/// <summary>JSON in (fixture and request variables) and out (<c>tojson</c>, which Hugging Face maps to Python's json.dumps).</summary>
static class TemplateJson
{
    /// <summary>A JSON value as template values; numbers written without '.'/exponent become long, as json.loads makes int.</summary>
    public static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().Aggregate(new Dictionary<string, object?>(), (d, p) => { d[p.Name] = FromJson(p.Value); return d; }),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText().AsSpan().IndexOfAny(".eE") < 0 && e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>
    /// Python's json.dumps(value, ensure_ascii, indent, separators, sort_keys). Without indent the separators
    /// are ", " and ": "; with indent the item separator loses its trailing space.
    /// </summary>
    public static string Dumps(object? value, string? indent = null, bool ensureAscii = false,
        (string Item, string Key)? separators = null, bool sortKeys = false)
    {
        var seps = separators ?? (indent is null ? (", ", ": ") : (",", ": "));
        var sb = new StringBuilder();
        Write(sb, value, indent, 0, ensureAscii, seps, sortKeys);
        return sb.ToString();
    }

    static void Write(StringBuilder sb, object? v, string? indent, int depth, bool ascii, (string Item, string Key) seps, bool sort)
    {
        switch (v)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyFormat.FloatRepr(d));
                break;
            case string s: WriteString(sb, s, ascii); break;
            case IReadOnlyList<object?> list:
                if (list.Count == 0) { sb.Append("[]"); break; }
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(seps.Item);
                    NewLine(sb, indent, depth + 1);
                    Write(sb, list[i], indent, depth + 1, ascii, seps, sort);
                }
                NewLine(sb, indent, depth);
                sb.Append(']');
                break;
            case IReadOnlyDictionary<string, object?> dict:
                if (dict.Count == 0) { sb.Append("{}"); break; }
                sb.Append('{');
                var entries = sort ? dict.OrderBy(kv => kv.Key, StringComparer.Ordinal) : dict.AsEnumerable();
                bool first = true;
                foreach (var (k, item) in entries)
                {
                    if (!first) sb.Append(seps.Item);
                    first = false;
                    NewLine(sb, indent, depth + 1);
                    WriteString(sb, k, ascii);
                    sb.Append(seps.Key);
                    Write(sb, item, indent, depth + 1, ascii, seps, sort);
                }
                NewLine(sb, indent, depth);
                sb.Append('}');
                break;
            case Undefined u: throw new TemplateException($"Object of type Undefined is not JSON serializable ({u.Hint})");
            default: throw new TemplateException($"Object of type {PyOps.TypeName(v)} is not JSON serializable");
        }
    }

    static void NewLine(StringBuilder sb, string? indent, int depth)
    {
        if (indent is null) return;
        sb.Append('\n');
        for (int i = 0; i < depth; i++) sb.Append(indent);
    }

    static void WriteString(StringBuilder sb, string s, bool ascii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    // ensure_ascii escapes every non-ASCII UTF-16 unit (surrogate pairs as two \u escapes).
                    if (c < 0x20 || (ascii && c > 0x7e)) sb.Append("\\u").Append(((int)c).ToString("x4"));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
