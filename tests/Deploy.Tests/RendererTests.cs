using SmolLM3.Deploy.Tests.Kustomize;

namespace SmolLM3.Deploy.Tests;

/// <summary>The test renderer itself: merges like Kubernetes for the lists used, refuses the rest.</summary>
public class RendererTests
{
    static Dictionary<string, object?> Yaml(string text)
    {
        var file = Path.GetTempFileName();
        try { File.WriteAllText(file, text); return YamlTree.LoadMap(file); }
        finally { File.Delete(file); }
    }

    [Fact]
    public void Strategic_merge_merges_named_items_replaces_plain_lists_and_deletes_nulls()
    {
        var target = Yaml("""
            containers:
              - name: a
                image: x
                env: [{name: K, value: "1"}, {name: L, value: "2"}]
              - name: b
                image: y
            tolerations: [{key: t1}]
            drop: me
            """);
        StrategicMerge.Apply(target, Yaml("""
            containers:
              - name: a
                env: [{name: L, value: "3"}, {name: M, value: "4"}]
            tolerations: [{key: t2}]
            drop: null
            """));

        var a = target.Maps("containers").Single(c => c.Str("name") == "a");
        Assert.Equal("x", a.Str("image"));
        Assert.Equal(["K=1", "L=3", "M=4"], a.Maps("env").Select(e => $"{e.Str("name")}={e.Str("value")}"));
        Assert.Equal(2, target.Maps("containers").Count());
        Assert.Equal(["t2"], target.Maps("tolerations").Select(t => t.Str("key")));
        Assert.False(target.ContainsKey("drop"));
    }

    [Fact]
    public void Plain_numbers_and_booleans_are_typed_quoted_ones_stay_strings()
    {
        var map = Yaml("a: 8080\nb: \"8080\"\nc: true\nd: 'true'\ne: ~\n");
        Assert.Equal(8080L, map["a"]);
        Assert.Equal("8080", map["b"]);
        Assert.Equal(true, map["c"]);
        Assert.Equal("true", map["d"]);
        Assert.Null(map["e"]);
    }

    // Renders a throw-away kustomization made of the given files.
    static void Render(params (string Name, string Text)[] files)
    {
        var dir = Directory.CreateTempSubdirectory().FullName;
        try
        {
            foreach (var (name, text) in files) File.WriteAllText(Path.Combine(dir, name), text);
            KustomizeRenderer.Render(dir);
        }
        finally { Directory.Delete(dir, true); }
    }

    const string Header = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n";

    [Fact]
    public void A_kustomization_field_the_renderer_does_not_know_fails_the_rendering()
    {
        var e = Assert.Throws<NotSupportedException>(() => Render(("kustomization.yaml", Header + "commonLabels: {a: b}\n")));
        Assert.Contains("commonLabels", e.Message);
    }

    [Fact]
    public void A_patch_without_a_target_fails_the_rendering()
    {
        Assert.Throws<InvalidDataException>(() => Render(
            ("kustomization.yaml", Header + "patches: [{path: p.yaml}]\n"),
            ("p.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nope}\n")));
    }

    [Fact]
    public void Generated_names_with_hash_suffixes_fail_the_rendering()
    {
        Assert.Throws<NotSupportedException>(() => Render(
            ("kustomization.yaml", Header + "secretGenerator: [{name: s, literals: [a=b]}]\n")));
    }
}
