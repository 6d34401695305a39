using YamlDotNet.RepresentationModel;

namespace SmolLM3.Deploy.Tests.Kustomize;

/// <summary>
/// YAML as plain values: maps are <see cref="Dictionary{TKey,TValue}"/> (string keys), sequences
/// are <see cref="List{T}"/>, plain scalars that look like integers, booleans or null become long,
/// bool or null, every other scalar (and every quoted one) stays a string, as Kubernetes reads them.
/// </summary>
public static class YamlTree
{
    /// <summary>Every document of a (multi-document) YAML file, empty documents dropped.</summary>
    public static List<Dictionary<string, object?>> LoadDocuments(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        return stream.Documents
            .Select(d => Convert(d.RootNode))
            .OfType<Dictionary<string, object?>>()
            .ToList();
    }

    /// <summary>The one document of a YAML file, which must be a map.</summary>
    public static Dictionary<string, object?> LoadMap(string path) =>
        LoadDocuments(path) is [var only] ? only : throw new InvalidDataException($"{path}: expected one YAML document");

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

    /// <summary>A deep copy, so that patches applied to one rendering never touch another.</summary>
    public static object? Clone(object? value) => value switch
    {
        Dictionary<string, object?> map => map.ToDictionary(kv => kv.Key, kv => Clone(kv.Value)),
        List<object?> list => list.Select(Clone).ToList(),
        _ => value,
    };
}
