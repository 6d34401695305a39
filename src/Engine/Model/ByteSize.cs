using System.Globalization;

namespace SmolLM3.Engine.Model;

/// <summary>
/// A memory size as people write it: a number, optionally with a fraction, then an optional unit. KiB, MiB, GiB and
/// TiB are powers of 1024; KB, MB, GB and TB powers of 1000; B or no unit is bytes. Units ignore case (kib, GIB), and
/// a space may separate them from the number: <c>12GiB</c>, <c>512 MiB</c>, <c>1.5GiB</c>, <c>9663676416</c>.
/// The size must be a positive whole number of bytes that fits a long.
/// </summary>
public static class ByteSize
{
    static readonly (string Unit, long Bytes)[] Units =
    [
        ("KiB", 1L << 10), ("MiB", 1L << 20), ("GiB", 1L << 30), ("TiB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ];

    /// <summary>The unit names accepted, for messages.</summary>
    public static string UnitNames => string.Join(", ", Units.Select(u => u.Unit));

    /// <summary>Parses <paramref name="text"/>; <paramref name="name"/> (a flag or configuration key) starts any error.</summary>
    /// <exception cref="FormatException">Empty, negative, zero, a fraction of a byte, an unknown unit, or too large.</exception>
    public static long Parse(string? text, string name) =>
        TryParse(text, out var bytes, out var error) ? bytes : throw new FormatException($"{name} {error}");

    /// <summary>Parses <paramref name="text"/>, or says why not: <c>'12XB': unknown unit 'XB' (one of …)</c>.</summary>
    public static bool TryParse(string? text, out long bytes, out string error)
    {
        (bytes, error) = (0, "");
        var why = Why(text, out bytes);
        if (why is null) return true;
        error = $"'{text}': {why}";
        return false;
    }

    static string? Why(string? text, out long bytes)
    {
        bytes = 0;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0) return "a size is needed, e.g. 512MiB or 12GiB";
        if (trimmed[0] == '-') return "a size cannot be negative";
        int end = 0;
        while (end < trimmed.Length && (char.IsAsciiDigit(trimmed[end]) || trimmed[end] == '.')) end++;
        var digits = trimmed.AsSpan(0, end);
        var tooLarge = $"too large (at most {long.MaxValue} bytes)";
        if (!decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            return digits.Count('.') <= 1 && digits.ContainsAnyInRange('0', '9') ? tooLarge : "expected a number, then optionally a unit (e.g. 512MiB, 1.5GiB)";
        var unitText = trimmed[end..].TrimStart();
        long unit = 1;
        if (unitText.Length > 0)
        {
            var match = Units.FirstOrDefault(u => string.Equals(u.Unit, unitText, StringComparison.OrdinalIgnoreCase));
            if (match.Unit is null) return $"unknown unit '{unitText}' (one of {UnitNames})";
            unit = match.Bytes;
        }
        decimal value;
        try { value = number * unit; }
        catch (OverflowException) { return tooLarge; }
        if (value > long.MaxValue) return tooLarge;
        if (value == 0) return "a size must be more than zero";
        if (value != decimal.Truncate(value)) return "not a whole number of bytes";
        bytes = (long)value;
        return null;
    }

    /// <summary>Bytes in the largest binary unit that keeps the number at least 1, e.g. 1.5 GiB (for messages).</summary>
    public static string Format(long bytes)
    {
        string[] names = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int i = 0;
        while (value >= 1024 && i < names.Length - 1) (value, i) = (value / 1024, i + 1);
        return i == 0 ? $"{bytes} bytes" : $"{value.ToString("0.##", CultureInfo.InvariantCulture)} {names[i]}";
    }
}
