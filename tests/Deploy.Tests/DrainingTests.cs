using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>Shutdown and start-up timing: streams drain before the kill, a model load is not a failure.</summary>
public class DrainingTests
{
    [SkippableTheory]
    [InlineData("cpu", "silo"), InlineData("cpu", "gateway"), InlineData("gpu", "silo"), InlineData("gpu", "gateway")]
    public void The_grace_period_outlasts_pre_stop_plus_the_hosts_shutdown_timeout(string overlay, string component)
    {
        var o = Overlay.Render(overlay);
        var workload = o.Component(component);
        var container = Overlay.Container(workload, component);
        var grace = (long)workload.PodSpec()!.At("terminationGracePeriodSeconds")!;
        var preStop = container.At("lifecycle", "preStop", "sleep", "seconds") as long? ?? 0;
        // .NET's host stops waiting for in-flight work after this (default 30 s).
        var shutdown = long.Parse(o.Environment(container)["DOTNET_shutdownTimeoutSeconds"]!);
        Assert.True(shutdown >= 120, $"{component}: {shutdown} s is short for a streamed reply to finish");
        Assert.True(grace > preStop + shutdown, $"{component}: grace {grace} s <= preStop {preStop} s + shutdown {shutdown} s");
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void The_gateway_leaves_the_service_before_it_stops_accepting_calls(string name)
    {
        var gateway = Overlay.Container(Overlay.Render(name).Component("gateway"), "gateway");
        Assert.True(gateway.At("lifecycle", "preStop", "sleep", "seconds") is long s && s >= 5);
    }

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void A_loading_model_is_covered_by_the_startup_probe_not_killed_by_liveness(string name)
    {
        var silo = Overlay.Container(Overlay.Render(name).Component("silo"), "silo");
        var startup = silo.Map("startupProbe")!;
        Assert.True((long)startup["periodSeconds"]! * (long)startup["failureThreshold"]! >= 600, "allow 10 minutes to load");
        Assert.Equal(silo.At("livenessProbe", "grpc", "port"), startup.At("grpc", "port"));
    }
}
