using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>Services, budgets, autoscalers and workloads point at each other's real pods and names.</summary>
public class SelectorTests
{
    static bool Selects(Dictionary<string, string> selector, Dictionary<string, object?> workload) =>
        selector.Count > 0 && selector.All(kv => workload.PodLabels().Labels().GetValueOrDefault(kv.Key) == kv.Value);

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_workload_selects_its_own_pod_template(string name)
    {
        Assert.All(Overlay.Render(name).Workloads, w =>
            Assert.True(Selects(w.Map("spec", "selector", "matchLabels").Labels(), w), $"{w.Name()}: selector misses its pods"));
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_service_selects_one_workload_and_targets_ports_its_containers_open(string name)
    {
        var o = Overlay.Render(name);
        Assert.All(o.OfKind("Service"), service =>
        {
            var selected = o.Workloads.Where(w => Selects(service.Map("spec", "selector").Labels(), w)).ToList();
            Assert.True(selected.Count == 1, $"Service {service.Name()} selects {selected.Count} workloads");
            var ports = selected[0].Containers(includeInit: false).SelectMany(c => Overlay.Ports(c)).ToList();
            Assert.All(service.Maps("spec", "ports"), p =>
            {
                var target = p.At("targetPort") ?? p.At("port");
                Assert.True(ports.Any(cp => Equals(cp.Key, target) || Equals(cp.Value, target)),
                    $"Service {service.Name()} port {p.Str("name")} targets {target}, which no container opens");
            });
        });
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_disruption_budget_covers_exactly_one_workload(string name)
    {
        var o = Overlay.Render(name);
        Assert.All(o.OfKind("PodDisruptionBudget"), pdb =>
            Assert.Single(o.Workloads, w => Selects(pdb.Map("spec", "selector", "matchLabels").Labels(), w)));
        // The two budgets the deployment promises.
        Assert.NotNull(o.Find("PodDisruptionBudget", o.Component("gateway").Name()));
        Assert.NotNull(o.Find("PodDisruptionBudget", o.Component("silo").Name()));
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_autoscaler_targets_the_gateway_whose_containers_request_cpu(string name)
    {
        var o = Overlay.Render(name);
        var hpa = Assert.Single(o.OfKind("HorizontalPodAutoscaler"));
        var target = o.Get(hpa.Str("spec", "scaleTargetRef", "kind")!, hpa.Str("spec", "scaleTargetRef", "name")!);
        Assert.Same(o.Component("gateway"), target);
        // Utilization targets are relative to requests: without them the HPA never scales.
        Assert.All(target.Containers(includeInit: false), c => Assert.NotNull(c.At("resources", "requests", "cpu")));
        Assert.True((long)hpa.At("spec", "minReplicas")! >= 2, "one gateway is a single point of failure");
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_stateful_set_names_a_headless_service_that_selects_it(string name)
    {
        var o = Overlay.Render(name);
        Assert.All(o.OfKind("StatefulSet"), set =>
        {
            var service = o.Get("Service", set.Str("spec", "serviceName")!);
            Assert.Equal("None", service.Str("spec", "clusterIP"));
            Assert.True(Selects(service.Map("spec", "selector").Labels(), set));
        });
    }
}
