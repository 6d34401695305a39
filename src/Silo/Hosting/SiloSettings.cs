using Microsoft.Extensions.Configuration;
using SmolLM3.Contracts.Hosting;
using SmolLM3.Silo.Storage;

namespace SmolLM3.Silo.Hosting;

/// <summary>Everything a silo process is configured with: sections SmolLM3:Silo, SmolLM3:Cluster and SmolLM3:Storage.</summary>
public sealed record SiloSettings(SmolLMSiloOptions Silo, SmolLMClusterOptions Cluster, SmolLMStorageOptions Storage)
{
    /// <summary>Binds and checks the three sections (environment form: <c>SmolLM3__Silo__ModelPath</c>).</summary>
    public static SiloSettings Bind(IConfiguration configuration) => new(
        configuration.GetSection(SmolLMSiloOptions.Section).Get<SmolLMSiloOptions>() ?? new(),
        (configuration.GetSection(SmolLMClusterOptions.Section).Get<SmolLMClusterOptions>() ?? new()).Validate(),
        (configuration.GetSection(SmolLMStorageOptions.Section).Get<SmolLMStorageOptions>() ?? new()).Validate());
}
