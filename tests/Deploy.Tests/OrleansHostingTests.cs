using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>What Orleans Kubernetes hosting and the cluster need to agree on across silos and gateways.</summary>
public class OrleansHostingTests
{
    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Silos_get_their_pod_identity_from_the_downward_api(string name)
    {
        var silo = Overlay.Container(Overlay.Render(name).Component("silo"), "silo");
        var fields = silo.Maps("env").Where(e => e.Map("valueFrom", "fieldRef") is not null)
            .ToDictionary(e => e.Str("name")!, e => e.Str("valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("metadata.name", fields["POD_NAME"]);
        Assert.Equal("metadata.namespace", fields["POD_NAMESPACE"]);
        Assert.Equal("status.podIP", fields["POD_IP"]);
        Assert.Equal("true", Overlay.Render(name).Environment(silo)["SmolLM3__Cluster__Kubernetes"]);
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Silo_pod_labels_carry_the_configured_cluster_and_service_ids(string name)
    {
        var o = Overlay.Render(name);
        var workload = o.Component("silo");
        var env = o.Environment(Overlay.Container(workload, "silo"));
        var labels = workload.PodLabels().Labels();
        Assert.Equal(env["SmolLM3__Cluster__ClusterId"], labels["orleans/clusterId"]);
        Assert.Equal(env["SmolLM3__Cluster__ServiceId"], labels["orleans/serviceId"]);
        // Gateways are clients: a pod with these labels but no silo would be reported as unknown.
        Assert.DoesNotContain(o.Component("gateway").PodLabels().Keys, k => k.StartsWith("orleans/"));
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Silos_and_gateways_join_the_same_cluster_and_serve_the_same_model(string name)
    {
        var o = Overlay.Render(name);
        var silo = Overlay.Container(o.Component("silo"), "silo");
        var gateway = Overlay.Container(o.Component("gateway"), "gateway");
        var (se, ge) = (o.Environment(silo), o.Environment(gateway));
        foreach (var key in new[] { "SmolLM3__Cluster__Provider", "SmolLM3__Cluster__ClusterId", "SmolLM3__Cluster__ServiceId" })
            Assert.Equal(se[key], ge[key]);
        Assert.Equal("redis", se["SmolLM3__Cluster__Provider"]);
        string? RedisRef(Dictionary<string, object?> c) => c.Maps("env").Single(e => e.Str("name") == "SmolLM3__Cluster__Redis")
            .Str("valueFrom", "secretKeyRef", "name");
        Assert.Equal(RedisRef(silo), RedisRef(gateway));
        Assert.Equal(se["SmolLM3__Silo__ModelId"], ge["SmolLM3__Models__0"]);
        Assert.Equal("redis", se["SmolLM3__Storage__Provider"]);
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_silo_account_may_read_watch_and_label_pods(string name)
    {
        var o = Overlay.Render(name);
        var account = o.Component("silo").PodSpec()!.Str("serviceAccountName");
        var roles = o.OfKind("RoleBinding").Where(b => b.Maps("subjects").Any(s => s.Str("name") == account))
            .Select(b => o.Get(b.Str("roleRef", "kind")!, b.Str("roleRef", "name")!));
        var verbs = roles.SelectMany(r => r.Maps("rules"))
            .Where(rule => rule.Strings("resources").Contains("pods") && rule.Strings("apiGroups").Contains(""))
            .SelectMany(rule => rule.Strings("verbs")).ToHashSet();
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "patch" }, verbs);
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_init_container_downloads_the_served_model_into_the_silos_volume(string name)
    {
        var o = Overlay.Render(name);
        var workload = o.Component("silo");
        var init = Assert.Single(workload.PodSpec()!.Maps("initContainers"));
        var silo = Overlay.Container(workload, "silo");
        var (ie, se) = (o.Environment(init), o.Environment(silo));
        Assert.Equal("true", ie["SmolLM3__Silo__DownloadOnly"]);
        Assert.False(se.ContainsKey("SmolLM3__Silo__DownloadOnly"));
        Assert.Equal(silo.Str("image"), init.Str("image"));
        Assert.Equal(se["SmolLM3__Silo__ModelPath"], ie["SmolLM3__Silo__ModelPath"]);
        Assert.Equal(se["SmolLM3__Silo__ModelCache"], ie["SmolLM3__Silo__ModelCache"]);
        string? VolumeAt(Dictionary<string, object?> c, string path) =>
            c.Maps("volumeMounts").SingleOrDefault(m => m.Str("mountPath") == path)?.Str("name");
        var cache = se["SmolLM3__Silo__ModelCache"]!;
        Assert.NotNull(VolumeAt(silo, cache));
        Assert.Equal(VolumeAt(silo, cache), VolumeAt(init, cache));
        // The volume outlives the pod, so the download happens once per silo, not once per start.
        Assert.Contains(VolumeAt(silo, cache), workload.Maps("spec", "volumeClaimTemplates").Select(t => t.Name()));
    }
}
