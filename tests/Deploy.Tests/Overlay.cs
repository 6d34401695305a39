using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>One overlay (deploy/k8s/overlays/NAME) rendered by <c>kubectl kustomize</c>, and lookups the tests share.</summary>
public sealed class Overlay
{
    /// <summary>The overlays that must exist; a test checks the folder holds exactly these.</summary>
    public static readonly string[] Names = ["cpu", "gpu"];

    public static TheoryData<string> All => new(Names);

    static readonly Dictionary<string, Overlay> Cache = [];

    public string Name { get; }
    public List<Dictionary<string, object?>> Objects { get; }

    Overlay(string name)
    {
        Name = name;
        var copy = Directory.CreateTempSubdirectory("smollm3-k8s-");
        try
        {
            CopyWithExampleApiKeys(copy.FullName);
            Objects = YamlTree.Parse(Kubectl.Kustomize(Path.Combine(copy.FullName, "overlays", name)));
        }
        finally { copy.Delete(recursive: true); }
    }

    // kustomize needs base/secrets/api-keys.json, which is the operator's and not in git: the overlay is rendered
    // from a copy of deploy/k8s holding the example there (the first deploy step), never a real keys file.
    static void CopyWithExampleApiKeys(string copy)
    {
        foreach (var file in Directory.EnumerateFiles(Repo.K8s, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "api-keys.json") continue;
            var target = Path.Combine(copy, Path.GetRelativePath(Repo.K8s, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var secrets = Path.Combine(copy, "base", "secrets");
        File.Copy(Path.Combine(secrets, "api-keys.example.json"), Path.Combine(secrets, "api-keys.json"));
    }

    public static Overlay Render(string name)
    {
        lock (Cache)
            return Cache.TryGetValue(name, out var o) ? o : Cache[name] = new Overlay(name);
    }

    public IEnumerable<Dictionary<string, object?>> OfKind(string kind) => Objects.Where(o => o.Str("kind") == kind);

    public Dictionary<string, object?>? Find(string kind, string? name) =>
        Objects.SingleOrDefault(o => o.Str("kind") == kind && o.Name() == name);

    public Dictionary<string, object?> Get(string kind, string name) =>
        Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"overlay {Name}: no {kind}/{name}");

    /// <summary>Objects with a pod template.</summary>
    public IEnumerable<Dictionary<string, object?>> Workloads => Objects.Where(o => o.PodSpec() is not null);

    /// <summary>The workload whose pods carry app.kubernetes.io/component = <paramref name="component"/>.</summary>
    public Dictionary<string, object?> Component(string component) =>
        Workloads.Single(w => w.PodLabels().Labels().GetValueOrDefault("app.kubernetes.io/component") == component);

    public static Dictionary<string, object?> Container(Dictionary<string, object?> workload, string name) =>
        workload.Containers(includeInit: true).Single(c => c.Str("name") == name);

    /// <summary>
    /// The environment a container sees, by name: its envFrom ConfigMaps' keys (as literal values)
    /// overlaid by its env list (literal values, or null for valueFrom).
    /// </summary>
    public Dictionary<string, string?> Environment(Dictionary<string, object?> container)
    {
        var env = new Dictionary<string, string?>();
        foreach (var source in container.Maps("envFrom"))
            if (source.Str("configMapRef", "name") is { } cm && Find("ConfigMap", cm)?.Map("data") is { } data)
                foreach (var (key, value) in data) env[key] = value?.ToString();
        foreach (var e in container.Maps("env")) env[e.Str("name")!] = e.At("value")?.ToString();
        return env;
    }

    /// <summary>Container port numbers by port name.</summary>
    public static Dictionary<string, long> Ports(Dictionary<string, object?> container) =>
        container.Maps("ports").ToDictionary(p => p.Str("name") ?? "", p => (long)p["containerPort"]!);
}
