using SmolLM3.Deploy.Tests.Manifests;
using SmolLM3.Silo;

namespace SmolLM3.Deploy.Tests;

/// <summary>Both overlays build, hold the whole system, and differ where the hardware does.</summary>
public class OverlayTests
{
    [Fact]
    public void The_overlays_folder_holds_exactly_cpu_and_gpu()
    {
        var found = Directory.GetDirectories(Path.Combine(Repo.K8s, "overlays")).Select(Path.GetFileName).Order();
        Assert.Equal(Overlay.Names.Order(), found);
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Renders_every_part_of_the_system_into_one_namespace(string name)
    {
        var o = Overlay.Render(name);
        string[] expected =
        [
            "Namespace/smollm3", "ConfigMap/smollm3-cluster", "Secret/smollm3-api-keys", "Secret/smollm3-redis",
            "ServiceAccount/smollm3-silo", "Role/smollm3-silo-pods", "RoleBinding/smollm3-silo-pods",
            "StatefulSet/smollm3-silo", "Service/smollm3-silo", "PodDisruptionBudget/smollm3-silo",
            "Deployment/smollm3-gateway", "Service/smollm3-gateway", "HorizontalPodAutoscaler/smollm3-gateway",
            "PodDisruptionBudget/smollm3-gateway", "StatefulSet/smollm3-redis", "Service/smollm3-redis",
        ];
        Assert.Equal(expected.Order(), o.Objects.Select(x => $"{x.Str("kind")}/{x.Name()}").Order());
        Assert.All(o.Objects.Where(x => x.Str("kind") != "Namespace"), x => Assert.Equal("smollm3", x.Namespace()));
    }

    [SkippableTheory]
    [InlineData("cpu", 8L << 30)]
    [InlineData("gpu", 12L << 30)]
    public void Each_overlay_sizes_the_KV_pool_with_a_unit_the_silo_reads(string name, long bytes)
    {
        var o = Overlay.Render(name);
        var env = o.Environment(Overlay.Container(o.Component("silo"), "silo"));
        Assert.DoesNotContain("SmolLM3__Silo__KvCacheBytes", env.Keys);
        Assert.Equal(bytes, new SmolLMSiloOptions { KvCacheSize = env["SmolLM3__Silo__KvCacheSize"] }.ResolvedKvCacheBytes);
    }

    [SkippableFact]
    public void Only_the_gpu_overlay_asks_for_a_gpu_and_runs_the_silo_on_cuda()
    {
        var gpu = Overlay.Render("gpu");
        var silo = Overlay.Container(gpu.Component("silo"), "silo");
        Assert.Equal(1L, silo.At("resources", "requests", "nvidia.com/gpu"));
        Assert.Equal(1L, silo.At("resources", "limits", "nvidia.com/gpu"));
        Assert.StartsWith("cuda", gpu.Environment(silo)["SmolLM3__Silo__Device"]);

        var cpu = Overlay.Render("cpu");
        Assert.All(cpu.Workloads.SelectMany(w => w.Containers(includeInit: true)),
            c => Assert.Null(c.At("resources", "limits", "nvidia.com/gpu")));
        Assert.Equal("cpu", cpu.Environment(Overlay.Container(cpu.Component("silo"), "silo"))["SmolLM3__Silo__Device"]);
    }

    [SkippableFact]
    public void The_overlays_run_different_silo_builds_and_pin_every_image_to_a_tag()
    {
        string Image(string overlay) => Overlay.Container(Overlay.Render(overlay).Component("silo"), "silo").Str("image")!;
        Assert.NotEqual(Image("cpu"), Image("gpu"));
        foreach (var name in Overlay.Names)
            Assert.All(Overlay.Render(name).Workloads.SelectMany(w => w.Containers(includeInit: true)), c =>
            {
                var image = c.Str("image")!;
                Assert.True(image.LastIndexOf(':') > image.LastIndexOf('/'), $"{name}: image {image} has no tag");
                Assert.DoesNotContain(":latest", image);
            });
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Env_values_and_config_map_data_are_strings_as_Kubernetes_requires(string name)
    {
        var o = Overlay.Render(name);
        var env = o.Workloads.SelectMany(w => w.Containers(includeInit: true)).SelectMany(c => c.Maps("env"))
            .Where(e => e.ContainsKey("value"));
        Assert.All(env, e => Assert.True(e["value"] is string, $"{name}: env {e.Str("name")} is not a quoted string"));
        Assert.All(o.OfKind("ConfigMap").SelectMany(cm => cm.Map("data") ?? []),
            kv => Assert.True(kv.Value is string, $"{name}: ConfigMap key {kv.Key} is not a quoted string"));
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_container_requests_memory_and_cpu(string name)
    {
        Assert.All(Overlay.Render(name).Workloads.SelectMany(w => w.Containers(includeInit: true)), c =>
        {
            Assert.NotNull(c.At("resources", "requests", "cpu"));
            Assert.NotNull(c.At("resources", "requests", "memory"));
        });
    }
}
