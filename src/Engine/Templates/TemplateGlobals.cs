using System.Globalization;
using System.Text;

namespace SmolLM3.Engine.Templates;

/// <summary>Functions every template sees: jinja2's range/namespace/dict and Hugging Face's raise_exception/strftime_now.</summary>
static class TemplateGlobals
{
    public static IEnumerable<(string Name, TemplateFunction Function)> All(Func<DateTime> now) =>
    [
        ("range", Range),
        ("namespace", a =>
        {
            var ns = new Namespace();
            if (a.Positional.Count > 0 && a.Positional[0] is IReadOnlyDictionary<string, object?> init)
                foreach (var (k, v) in init) ns.Attributes[k] = v;
            foreach (var (k, v) in a.Named) ns.Attributes[k] = v;
            return ns;
        }),
        ("dict", a => new Dictionary<string, object?>(a.Named)),
        ("raise_exception", a => throw new TemplateRaisedException(PyFormat.Str(a.Get(0, "message", "")))),
        ("strftime_now", a => StrFTime(now(), PyFormat.Str(a.Get(0, "format")))),
    ];

    static object? Range(CallArgs a)
    {
        long Arg(int i) => a.Positional[i] is long l ? l : throw new TemplateException($"range() arguments must be integers, not {PyOps.TypeName(a.Positional[i])}");
        var (start, stop, step) = a.Positional.Count switch
        {
            1 => (0L, Arg(0), 1L),
            2 => (Arg(0), Arg(1), 1L),
            3 => (Arg(0), Arg(1), Arg(2)),
            _ => throw new TemplateException("range expected 1 to 3 arguments"),
        };
        if (step == 0) throw new TemplateException("range() arg 3 must not be zero");
        var list = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            list.Add(i);
            if (list.Count > 100_000) throw new TemplateException("range too big"); // jinja2's sandbox cap is MAX_RANGE = 100000
        }
        return new PyRange(start, stop, step, list);
    }

    /// <summary>C strftime directives (English names, as Python in the C locale); %-d etc. drop padding as on glibc.</summary>
    public static string StrFTime(DateTime t, string format)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length) { sb.Append(format[i]); continue; }
            bool noPad = format[i + 1] == '-' && i + 2 < format.Length;
            char d = format[noPad ? i + 2 : i + 1];
            i += noPad ? 2 : 1;
            string Num(int v, int width) => noPad ? v.ToString(ci) : v.ToString(new string('0', width), ci);
            sb.Append(d switch
            {
                'd' => Num(t.Day, 2),
                'e' => noPad ? t.Day.ToString(ci) : t.Day.ToString(ci).PadLeft(2),
                'm' => Num(t.Month, 2),
                'Y' => t.Year.ToString(ci),
                'y' => Num(t.Year % 100, 2),
                'B' => t.ToString("MMMM", ci),
                'b' or 'h' => t.ToString("MMM", ci),
                'A' => t.ToString("dddd", ci),
                'a' => t.ToString("ddd", ci),
                'H' => Num(t.Hour, 2),
                'I' => Num(t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2),
                'M' => Num(t.Minute, 2),
                'S' => Num(t.Second, 2),
                'p' => t.Hour < 12 ? "AM" : "PM",
                'j' => Num(t.DayOfYear, 3),
                'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", ci),
                'w' => ((int)t.DayOfWeek).ToString(ci),
                'F' => t.ToString("yyyy-MM-dd", ci),
                'T' => t.ToString("HH:mm:ss", ci),
                '%' => "%",
                _ => "%" + (noPad ? "-" : "") + d,
            });
        }
        return sb.ToString();
    }
}
