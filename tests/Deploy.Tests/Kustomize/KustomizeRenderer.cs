using System.Text;

namespace SmolLM3.Deploy.Tests.Kustomize;

/// <summary>
/// Renders a kustomization the way <c>kustomize build</c> does, for the features these manifests
/// use: resources (files and directories), components, secretGenerator without hash suffixes,
/// strategic-merge patches by path, namespace and images. Any other field fails the rendering, so
/// a manifest change that needs more is noticed here rather than rendered wrong.
/// </summary>
public static class KustomizeRenderer
{
    static readonly HashSet<string> Supported =
        ["apiVersion", "kind", "resources", "components", "patches", "namespace", "images", "secretGenerator", "generatorOptions"];

    // Kinds that live outside namespaces (the ones that could appear here).
    static readonly HashSet<string> ClusterScoped =
        ["Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass", "PriorityClass"];

    public static List<Dictionary<string, object?>> Render(string directory)
    {
        var objects = new List<Dictionary<string, object?>>();
        Accumulate(directory, Load(directory, "Kustomization"), objects);
        return objects;
    }

    static Dictionary<string, object?> Load(string directory, string expectedKind)
    {
        var file = Path.Combine(directory, "kustomization.yaml");
        var k = YamlTree.LoadMap(file);
        if (k.Keys.FirstOrDefault(key => !Supported.Contains(key)) is { } unknown)
            throw new NotSupportedException($"{file}: '{unknown}' is not rendered by this test renderer");
        if (k.Str("kind") != expectedKind)
            throw new InvalidDataException($"{file}: kind must be {expectedKind}, is '{k.Str("kind")}'");
        return k;
    }

    // Resources, then components, then generators, then transformers: kustomize's order.
    static void Accumulate(string dir, Dictionary<string, object?> k, List<Dictionary<string, object?>> objects)
    {
        foreach (var resource in k.Strings("resources"))
        {
            var path = Path.GetFullPath(Path.Combine(dir, resource));
            var added = Directory.Exists(path) ? Render(path) : YamlTree.LoadDocuments(path);
            foreach (var o in added) Add(objects, o, path);
        }
        foreach (var component in k.Strings("components"))
        {
            var path = Path.GetFullPath(Path.Combine(dir, component));
            Accumulate(path, Load(path, "Component"), objects);
        }
        foreach (var secret in GenerateSecrets(dir, k)) Add(objects, secret, dir);
        foreach (var patch in k.Maps("patches")) ApplyPatch(dir, patch, objects);
        if (k.Str("namespace") is { } ns) SetNamespace(ns, objects);
        foreach (var image in k.Maps("images")) SetImage(image, objects);
    }

    static void Add(List<Dictionary<string, object?>> objects, Dictionary<string, object?> o, string source)
    {
        if (objects.Any(x => x.Str("kind") == o.Str("kind") && x.Name() == o.Name() && x.Namespace() == o.Namespace()))
            throw new InvalidDataException($"{source}: {o.Str("kind")}/{o.Name()} is defined twice");
        objects.Add(o);
    }

    static IEnumerable<Dictionary<string, object?>> GenerateSecrets(string dir, Dictionary<string, object?> k)
    {
        var generators = k.Maps("secretGenerator").ToList();
        if (generators.Count > 0 && k.At("generatorOptions", "disableNameSuffixHash") is not true)
            throw new NotSupportedException($"{dir}: generated names with hash suffixes are not rendered here");
        foreach (var g in generators)
        {
            if (g.Keys.FirstOrDefault(key => key is not ("name" or "files" or "literals")) is { } unknown)
                throw new NotSupportedException($"{dir}: secretGenerator field '{unknown}'");
            var data = new Dictionary<string, object?>();
            foreach (var literal in g.Strings("literals"))
            {
                var (key, value) = SplitOnce(literal);
                data.Add(key, Base64(value));
            }
            foreach (var file in g.Strings("files"))
            {
                var (key, path) = file.Contains('=') ? SplitOnce(file) : (Path.GetFileName(file), file);
                // Operator-provided files (API keys) are not in git: the key still exists once they are.
                var full = Path.Combine(dir, path);
                data.Add(key, File.Exists(full) ? Base64(File.ReadAllText(full)) : "");
            }
            yield return new()
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Secret",
                ["metadata"] = new Dictionary<string, object?> { ["name"] = g.Str("name") },
                ["type"] = "Opaque",
                ["data"] = data,
            };
        }
    }

    static (string, string) SplitOnce(string s) =>
        s.IndexOf('=') is var i and > 0 ? (s[..i], s[(i + 1)..]) : throw new InvalidDataException($"'{s}' is not KEY=VALUE");

    static string Base64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    static void ApplyPatch(string dir, Dictionary<string, object?> entry, List<Dictionary<string, object?>> objects)
    {
        if (entry.Keys.Any(key => key != "path"))
            throw new NotSupportedException($"{dir}: only 'path' patches (strategic merge) are rendered here");
        var file = Path.Combine(dir, entry.Str("path")!);
        foreach (var patch in YamlTree.LoadDocuments(file))
        {
            var target = objects.SingleOrDefault(o => o.Str("kind") == patch.Str("kind") && o.Name() == patch.Name())
                ?? throw new InvalidDataException($"{file}: no {patch.Str("kind")}/{patch.Name()} to patch");
            StrategicMerge.Apply(target, patch);
        }
    }

    static void SetNamespace(string ns, List<Dictionary<string, object?>> objects)
    {
        var accounts = objects.Where(o => o.Str("kind") == "ServiceAccount").Select(o => o.Name()).ToHashSet();
        foreach (var o in objects)
        {
            var metadata = (Dictionary<string, object?>)o["metadata"]!;
            if (o.Str("kind") == "Namespace") metadata["name"] = ns;
            else if (!ClusterScoped.Contains(o.Str("kind")!)) metadata["namespace"] = ns;
            // Like kustomize: bindings follow the service accounts they name into the namespace.
            foreach (var subject in o.Maps("subjects"))
                if (subject.Str("kind") == "ServiceAccount" && accounts.Contains(subject.Str("name")))
                    subject["namespace"] = ns;
        }
    }

    static void SetImage(Dictionary<string, object?> image, List<Dictionary<string, object?>> objects)
    {
        if (image.Keys.FirstOrDefault(key => key is not ("name" or "newName" or "newTag")) is { } unknown)
            throw new NotSupportedException($"images field '{unknown}'");
        var name = image.Str("name")!;
        foreach (var container in objects.SelectMany(o => o.Containers(includeInit: true)))
        {
            var current = container.Str("image")!;
            var colon = current.LastIndexOf(':');
            var (repo, tag) = colon > current.LastIndexOf('/') ? (current[..colon], current[(colon + 1)..]) : (current, null);
            if (repo != name) continue;
            var newTag = image.Str("newTag") ?? tag;
            container["image"] = (image.Str("newName") ?? repo) + (newTag is null ? "" : ":" + newTag);
        }
    }
}
