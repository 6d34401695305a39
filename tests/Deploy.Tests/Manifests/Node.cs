namespace SmolLM3.Deploy.Tests.Manifests;

/// <summary>Reading paths in a <see cref="YamlTree"/> without a cast at every step.</summary>
public static class Node
{
    public static object? At(this Dictionary<string, object?> map, params string[] path)
    {
        object? node = map;
        foreach (var key in path)
            node = node is Dictionary<string, object?> m ? m.GetValueOrDefault(key) : null;
        return node;
    }

    public static string? Str(this Dictionary<string, object?> map, params string[] path) => map.At(path)?.ToString();

    public static Dictionary<string, object?>? Map(this Dictionary<string, object?> map, params string[] path) =>
        map.At(path) as Dictionary<string, object?>;

    public static IEnumerable<Dictionary<string, object?>> Maps(this Dictionary<string, object?> map, params string[] path) =>
        (map.At(path) as List<object?>)?.OfType<Dictionary<string, object?>>() ?? [];

    public static IEnumerable<string> Strings(this Dictionary<string, object?> map, params string[] path) =>
        (map.At(path) as List<object?>)?.Select(i => i?.ToString() ?? "") ?? [];

    public static string? Name(this Dictionary<string, object?> o) => o.Str("metadata", "name");

    public static string? Namespace(this Dictionary<string, object?> o) => o.Str("metadata", "namespace");

    /// <summary>The pod template's spec of a workload (Deployment, StatefulSet, …), or null.</summary>
    public static Dictionary<string, object?>? PodSpec(this Dictionary<string, object?> o) => o.Map("spec", "template", "spec");

    public static Dictionary<string, object?> PodLabels(this Dictionary<string, object?> o) =>
        o.Map("spec", "template", "metadata", "labels") ?? [];

    public static IEnumerable<Dictionary<string, object?>> Containers(this Dictionary<string, object?> o, bool includeInit)
    {
        if (o.PodSpec() is not { } spec) return [];
        var main = spec.Maps("containers");
        return includeInit ? spec.Maps("initContainers").Concat(main) : main;
    }

    /// <summary>Labels as strings (a selector's matchLabels or an object's labels).</summary>
    public static Dictionary<string, string> Labels(this Dictionary<string, object?>? map) =>
        map?.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") ?? [];
}
