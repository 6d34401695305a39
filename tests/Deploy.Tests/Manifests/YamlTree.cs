using YamlDotNet.RepresentationModel;

namespace SmolLM3.Deploy.Tests.Manifests;

/// <summary>
/// YAML as plain values: maps are <see cref="Dictionary{TKey,TValue}"/> (string keys), sequences
/// are <see cref="List{T}"/>, plain scalars that look like integers, booleans or null become long,
/// bool or null, every other scalar (and every quoted one) stays a string, as Kubernetes reads them.
/// </summary>
public static class YamlTree
{
    /// <summary>Every document of a multi-document YAML text (kubectl's output), empty documents dropped.</summary>
    public static List<Dictionary<string, object?>> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents
            .Select(d => Convert(d.RootNode))
            .OfType<Dictionary<string, object?>>()
            .ToList();
    }

    static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(
            kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => Convert(kv.Value)),
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlScalarNode s when s.Style is YamlDotNet.Core.ScalarStyle.Plain => PlainScalar(s.Value),
        YamlScalarNode s => s.Value ?? "",
        _ => throw new InvalidDataException($"unsupported YAML node at {node.Start}"),
    };

    static object? PlainScalar(string? text) => text switch
    {
        null or "" or "~" or "null" => null,
        "true" => true,
        "false" => false,
        _ when long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out var n) => n,
        _ => text,
    };
}
