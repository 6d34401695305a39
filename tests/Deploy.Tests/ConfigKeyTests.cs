using SmolLM3.Deploy.Tests.Config;
using SmolLM3.Deploy.Tests.Manifests;

namespace SmolLM3.Deploy.Tests;

/// <summary>
/// Every <c>SmolLM3__…</c> variable a container gets (env and envFrom ConfigMaps) names a setting the
/// app really has, and its literal value converts to that setting's type. A key the app lacks would
/// otherwise be ignored silently by configuration binding.
/// </summary>
public class ConfigKeyTests
{
    const string Prefix = "SmolLM3__";

    [SkippableTheory, MemberData(nameof(Overlay.All), MemberType = typeof(Overlay))]
    public void Every_SmolLM3_variable_binds_to_a_public_settable_option(string name)
    {
        var o = Overlay.Render(name);
        var problems = new List<string>();
        var checkedKeys = 0;
        foreach (var workload in o.Workloads)
        {
            var app = workload.PodLabels().Labels().GetValueOrDefault("app.kubernetes.io/component") ?? "";
            foreach (var container in workload.Containers(includeInit: true))
                foreach (var (key, value) in o.Environment(container))
                {
                    if (key.Contains(':') || (key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && !key.StartsWith(Prefix)))
                        problems.Add($"{key}: spell it {Prefix}… with '__' separators");
                    if (!key.StartsWith(Prefix)) continue;
                    checkedKeys++;
                    if (Check(app, key, value) is { } problem)
                        problems.Add($"{key} ({container.Str("name")}): {problem}");
                }
        }
        Assert.True(checkedKeys > 20, $"only {checkedKeys} SmolLM3 keys found: is the environment collected?");
        Assert.True(problems.Count == 0,
            $"overlay {name}: {problems.Count} configuration key(s) the apps do not provide:\n  " + string.Join("\n  ", problems.Distinct()));
    }

    static string? Check(string app, string key, string? value)
    {
        var segments = key[Prefix.Length..].Split("__");
        var (type, error) = OptionsCatalog.ForSection(app, segments[0]);
        if (type is null) return error;
        // The gateway's class is the whole "SmolLM3" section; the others are its subsections.
        var path = type.FullName == OptionsCatalog.GatewayOptions ? segments : segments[1..];
        return ConfigurationPath.Check(type, path, value);
    }

    // The check above is only as good as the path walker: it must reject what the binder would ignore.
    sealed class Sample
    {
        public int Port { get; set; }
        public long Bytes { get; set; }
        public string ReadOnly { get; } = "";
        public List<string> Models { get; set; } = [];
        public Dictionary<string, Limits> Tenants { get; set; } = [];
        public sealed class Limits { public int Rpm { get; set; } }
    }

    [Theory]
    [InlineData("Port", "8080", null)]
    [InlineData("port", "8080", null)]
    [InlineData("Bytes", "12884901888", null)]
    [InlineData("Models__0", "m", null)]
    [InlineData("Tenants__acme__Rpm", "60", null)]
    [InlineData("Port", "12884901888", "does not convert")]
    [InlineData("Port", "http", "does not convert")]
    [InlineData("Missing", "x", "no public settable property 'Missing'")]
    [InlineData("ReadOnly", "x", "no public settable property 'ReadOnly'")]
    [InlineData("Models__first", "m", "not an index")]
    [InlineData("Tenants__acme__Burst", "1", "no public settable property 'Burst'")]
    [InlineData("Tenants__acme", "1", "not at a value")]
    public void The_path_walker_accepts_what_binds_and_rejects_what_does_not(string key, string value, string? error)
    {
        var result = ConfigurationPath.Check(typeof(Sample), key.Split("__"), value);
        if (error is null) Assert.Null(result);
        else Assert.Contains(error, result);
    }
}
