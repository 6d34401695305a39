namespace SmolLM3.Deploy.Tests.Kustomize;

/// <summary>
/// The part of Kubernetes' strategic merge patch these manifests use: maps merge key by key, a null
/// deletes a key, lists whose items all carry a "name" (containers, env, volumes, volumeMounts,
/// ports) merge item by item on it, and every other list is replaced, as Kubernetes does for lists
/// without a merge key (tolerations, args).
/// </summary>
public static class StrategicMerge
{
    public static void Apply(Dictionary<string, object?> target, Dictionary<string, object?> patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null) target.Remove(key);
            else if (value is Dictionary<string, object?> pm && target.GetValueOrDefault(key) is Dictionary<string, object?> tm)
                Apply(tm, pm);
            else if (value is List<object?> pl && target.GetValueOrDefault(key) is List<object?> tl && Named(pl) && Named(tl))
                MergeByName(tl, pl);
            else target[key] = YamlTree.Clone(value);
        }
    }

    static bool Named(List<object?> list) =>
        list.Count > 0 && list.All(i => i is Dictionary<string, object?> m && m.GetValueOrDefault("name") is string);

    static void MergeByName(List<object?> target, List<object?> patch)
    {
        foreach (var item in patch.Cast<Dictionary<string, object?>>())
        {
            var existing = target.Cast<Dictionary<string, object?>>()
                .FirstOrDefault(t => Equals(t["name"], item["name"]));
            if (existing is null) target.Add(YamlTree.Clone(item));
            else Apply(existing, item);
        }
    }
}
