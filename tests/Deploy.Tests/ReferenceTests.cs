using System.Text.Json;
using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>Every Secret, ConfigMap, volume and account a pod names is defined, with the keys it reads.</summary>
public class ReferenceTests
{
    static IEnumerable<string> DataKeys(Dictionary<string, object?> o) =>
        (o.Map("data")?.Keys ?? Enumerable.Empty<string>()).Concat(o.Map("stringData")?.Keys ?? Enumerable.Empty<string>());

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_key_reference_names_an_object_and_key_defined_in_the_overlay(string name)
    {
        var o = Overlay.Render(name);
        var refs = o.Workloads.SelectMany(w => w.Containers(includeInit: true)).SelectMany(c => c.Maps("env"))
            .SelectMany(e => new[] { ("Secret", e.Map("valueFrom", "secretKeyRef")), ("ConfigMap", e.Map("valueFrom", "configMapKeyRef")) })
            .Where(r => r.Item2 is not null).ToList();
        Assert.NotEmpty(refs);
        Assert.All(refs, r =>
        {
            var (kind, reference) = (r.Item1, r.Item2!);
            var target = o.Find(kind, reference.Str("name"));
            // Only an optional reference may name an object the deployment does not create (HF_TOKEN).
            if (target is null && reference.At("optional") is true) return;
            Assert.True(target is not null, $"{name}: {kind} {reference.Str("name")} is not defined");
            Assert.Contains(reference.Str("key"), DataKeys(target!));
        });
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_env_from_volume_and_service_account_names_a_defined_object(string name)
    {
        var o = Overlay.Render(name);
        Assert.All(o.Workloads, w =>
        {
            var spec = w.PodSpec()!;
            foreach (var c in w.Containers(includeInit: true))
            {
                foreach (var source in c.Maps("envFrom"))
                {
                    if (source.Str("configMapRef", "name") is { } cm) Assert.NotNull(o.Find("ConfigMap", cm));
                    if (source.Str("secretRef", "name") is { } s) Assert.NotNull(o.Find("Secret", s));
                }
                var volumes = spec.Maps("volumes").Select(v => v.Str("name"))
                    .Concat(w.Maps("spec", "volumeClaimTemplates").Select(t => t.Name()));
                Assert.All(c.Maps("volumeMounts"), m => Assert.Contains(m.Str("name"), volumes));
            }
            foreach (var v in spec.Maps("volumes"))
            {
                if (v.Str("secret", "secretName") is { } s) Assert.NotNull(o.Find("Secret", s));
                if (v.Str("configMap", "name") is { } cm) Assert.NotNull(o.Find("ConfigMap", cm));
            }
            if (spec.Str("serviceAccountName") is { } sa) Assert.NotNull(o.Find("ServiceAccount", sa));
        });
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Role_bindings_join_defined_roles_to_defined_accounts_in_the_namespace(string name)
    {
        var o = Overlay.Render(name);
        Assert.All(o.OfKind("RoleBinding"), b =>
        {
            Assert.NotNull(o.Find(b.Str("roleRef", "kind")!, b.Str("roleRef", "name")));
            Assert.All(b.Maps("subjects"), s =>
            {
                Assert.NotNull(o.Find(s.Str("kind")!, s.Str("name")));
                Assert.Equal(b.Namespace(), s.Str("namespace"));
            });
        });
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_api_keys_file_is_a_key_of_a_directory_mounted_secret(string name)
    {
        var o = Overlay.Render(name);
        var gateway = Overlay.Container(o.Component("gateway"), "gateway");
        var file = o.Environment(gateway)["SmolLM3__ApiKeysFile"]!;
        var mount = gateway.Maps("volumeMounts").Single(m => Path.GetDirectoryName(file) == m.Str("mountPath"));
        // A subPath mount is a copy that never sees a rotated Secret.
        Assert.Null(mount.At("subPath"));
        var volume = o.Component("gateway").PodSpec()!.Maps("volumes").Single(v => v.Str("name") == mount.Str("name"));
        var secret = o.Get("Secret", volume.Str("secret", "secretName")!);
        Assert.Contains(Path.GetFileName(file), DataKeys(secret));
    }

    [Fact]
    public void Real_api_keys_stay_out_of_git_and_the_example_has_the_gateways_format()
    {
        var secrets = Path.Combine(Repo.K8s, "base", "secrets");
        Assert.Contains("api-keys.json", File.ReadAllLines(Path.Combine(secrets, ".gitignore")));
        using var example = JsonDocument.Parse(File.ReadAllText(Path.Combine(secrets, "api-keys.example.json")));
        Assert.NotEmpty(example.RootElement.EnumerateObject());
        Assert.All(example.RootElement.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
    }
}
