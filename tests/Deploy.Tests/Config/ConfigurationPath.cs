using System.ComponentModel;
using System.Globalization;
using System.Reflection;

namespace SmolLM3.Deploy.Tests.Config;

/// <summary>
/// Follows a configuration key (segments after the section) through an options type the way
/// Microsoft.Extensions.Configuration's binder does: public settable properties (case-insensitive),
/// dictionary keys, list indices; the last segment must be a value the binder converts from text.
/// </summary>
public static class ConfigurationPath
{
    /// <summary>Null when <paramref name="segments"/> bind (and <paramref name="value"/>, if known, converts), else why not.</summary>
    public static string? Check(Type type, IReadOnlyList<string> segments, string? value)
    {
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (Element(type, typeof(IDictionary<,>)) is { } entry)
                type = entry.GetGenericArguments()[1];
            else if (type.IsArray || Element(type, typeof(IList<>)) is not null)
            {
                if (!int.TryParse(segment, out _)) return $"'{segment}' is not an index into {type.Name}";
                type = type.IsArray ? type.GetElementType()! : Element(type, typeof(IList<>))!.GetGenericArguments()[0];
            }
            else
            {
                var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
                if (property?.SetMethod is not { IsPublic: true })
                    return $"{type.FullName} has no public settable property '{segment}'";
                type = property.PropertyType;
            }
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        var converter = TypeDescriptor.GetConverter(type);
        if (type != typeof(string) && !converter.CanConvertFrom(typeof(string)))
            return $"the key ends at {type.Name}, not at a value";
        if (value is null) return null;
        try { converter.ConvertFromString(null, CultureInfo.InvariantCulture, value); return null; }
        catch (Exception)   // converters throw ArgumentException, FormatException or NotSupportedException
        {
            return $"'{value}' does not convert to {type.Name}";
        }
    }

    static Type? Element(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type
        : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);
}
