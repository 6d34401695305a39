using Microsoft.Extensions.Options;
using SmolLM3.Gateway;

namespace SmolLM3.Cluster.Tests;

/// <summary>Gateway options a test sets and edits by hand (an edit is seen at once, as after a configuration reload).</summary>
sealed class FixedOptions(GatewayOptions value) : IOptionsMonitor<GatewayOptions>
{
    public GatewayOptions CurrentValue { get; set; } = value;
    public GatewayOptions Get(string? name) => CurrentValue;
    public IDisposable? OnChange(Action<GatewayOptions, string?> listener) => null;
}
