using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>Probes and scrapes hit ports the containers open, and the apps listen where the manifests say.</summary>
public class PortAndProbeTests
{
    static readonly string[] ProbeKinds = ["startupProbe", "readinessProbe", "livenessProbe"];

    static IEnumerable<(string Kind, object? Port)> ProbePorts(Dictionary<string, object?> container) =>
        from kind in ProbeKinds
        let probe = container.Map(kind)
        where probe is not null
        select (kind, probe.At("grpc", "port") ?? probe.At("tcpSocket", "port") ?? probe.At("httpGet", "port"));

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_probe_hits_a_port_its_container_opens(string name)
    {
        var containers = Overlay.Render(name).Workloads.SelectMany(w => w.Containers(includeInit: false)).ToList();
        Assert.All(containers, c =>
        {
            var ports = Overlay.Ports(c);
            Assert.NotEmpty(ProbePorts(c));
            Assert.All(ProbePorts(c), p => Assert.True(
                ports.ContainsValue(p.Port is long n ? n : -1) || (p.Port is string s && ports.ContainsKey(s)),
                $"{c.Str("name")}: {p.Kind} port {p.Port} is not a container port"));
        });
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_silo_listens_on_its_container_ports_and_is_probed_on_its_health_port(string name)
    {
        var o = Overlay.Render(name);
        var silo = Overlay.Container(o.Component("silo"), "silo");
        var env = o.Environment(silo);
        var ports = Overlay.Ports(silo);
        Assert.Equal(env["SmolLM3__Silo__HealthPort"], ports["health"].ToString());
        Assert.Equal(env["SmolLM3__Silo__MetricsPort"], ports["metrics"].ToString());
        var annotations = o.Component("silo").Map("spec", "template", "metadata", "annotations").Labels();
        Assert.Equal(env["SmolLM3__Silo__MetricsPort"], annotations["prometheus.io/port"]);
        Assert.Equal(env["SmolLM3__Cluster__SiloPort"], ports["silo"].ToString());
        Assert.Equal(env["SmolLM3__Cluster__GatewayPort"], ports["orleans-gw"].ToString());
        // Every probe is the gRPC health service (NOT_SERVING until the model is loaded).
        Assert.All(ProbeKinds, kind => Assert.Equal(ports["health"], silo.At(kind, "grpc", "port")));
        // Readiness (service "") turns NOT_SERVING while draining; liveness must not, or a draining silo is killed.
        Assert.Null(silo.At("readinessProbe", "grpc", "service"));
        Assert.Equal("liveness", silo.At("livenessProbe", "grpc", "service"));
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_gateway_listens_on_its_container_ports_and_is_probed_over_grpc(string name)
    {
        var o = Overlay.Render(name);
        var workload = o.Component("gateway");
        var gateway = Overlay.Container(workload, "gateway");
        var env = o.Environment(gateway);
        var ports = Overlay.Ports(gateway);
        Assert.Equal(env["SmolLM3__GrpcPort"], ports["grpc"].ToString());
        Assert.Equal(env["SmolLM3__HttpPort"], ports["http"].ToString());
        // grpc.health.v1 is served on the h2c gRPC port.
        Assert.Equal(ports["grpc"], gateway.At("readinessProbe", "grpc", "port"));
        Assert.Equal(ports["grpc"], gateway.At("livenessProbe", "grpc", "port"));
        Assert.Null(gateway.At("readinessProbe", "grpc", "service"));
        Assert.Equal("liveness", gateway.At("livenessProbe", "grpc", "service"));
        // Prometheus scrapes /metrics on the HTTP port.
        var annotations = workload.Map("spec", "template", "metadata", "annotations").Labels();
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(env["SmolLM3__HttpPort"], annotations["prometheus.io/port"]);
        Assert.Equal("/metrics", annotations["prometheus.io/path"]);
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Grpc_service_ports_are_marked_h2c(string name)
    {
        var o = Overlay.Render(name);
        var grpc = o.Get("Service", o.Component("gateway").Name()!).Maps("spec", "ports").Single(p => p.Str("targetPort") == "grpc");
        Assert.Equal("kubernetes.io/h2c", grpc.Str("appProtocol"));
        var health = o.Get("Service", o.Component("silo").Name()!).Maps("spec", "ports").Single(p => p.Str("targetPort") == "health");
        Assert.Equal("kubernetes.io/h2c", health.Str("appProtocol"));
    }
}
