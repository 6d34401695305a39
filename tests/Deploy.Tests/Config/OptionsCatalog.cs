using System.Reflection;

namespace SmolLM3.Deploy.Tests.Config;

/// <summary>
/// The apps' options classes, found by name in the SmolLM3.* assemblies beside the tests: the
/// manifests' <c>SmolLM3__…</c> variables bind to them (section "SmolLM3" and its subsections).
/// </summary>
public static class OptionsCatalog
{
    public const string SiloOptions = "SmolLM3.Silo.SmolLMSiloOptions";
    public const string GatewayOptions = "SmolLM3.Gateway.GatewayOptions";

    static readonly Lazy<Type[]> Types = new(() => Directory.GetFiles(AppContext.BaseDirectory, "SmolLM3.*.dll")
        .Where(f => !Path.GetFileName(f).StartsWith("SmolLM3.Deploy.Tests"))
        .Select(f => Assembly.Load(AssemblyName.GetAssemblyName(f)))
        .SelectMany(a => a.GetExportedTypes())
        .ToArray());

    /// <summary>The class bound to <c>SmolLM3:{section}</c> in an app, or an error saying why there is none.</summary>
    public static (Type? Type, string? Error) ForSection(string app, string section) => (app, section) switch
    {
        ("silo", "Silo") => ByFullName(SiloOptions),
        ("silo" or "gateway", "Cluster") => BySuffix("ClusterOptions"),
        ("silo", "Storage") => BySuffix("StorageOptions"),
        ("gateway", _) => ByFullName(GatewayOptions),
        _ => (null, $"the {app} has no options section '{section}'"),
    };

    static (Type?, string?) ByFullName(string name) =>
        Types.Value.FirstOrDefault(t => t.FullName == name) is { } t ? (t, null) : (null, $"no public class {name}");

    // The cluster and storage classes' names are not fixed yet: any one public SmolLM3 class named *ClusterOptions.
    static (Type?, string?) BySuffix(string suffix) =>
        Types.Value.Where(t => t.Name.EndsWith(suffix) && t.IsClass).ToList() switch
        {
            [var one] => (one, null),
            [] => (null, $"no public class named *{suffix} in a SmolLM3.* assembly"),
            var many => (null, $"several classes named *{suffix}: {string.Join(", ", many.Select(t => t.FullName))}"),
        };
}
